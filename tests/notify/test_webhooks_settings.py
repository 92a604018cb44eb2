"""The webhook settings fail loudly on values that make no sense."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from truce.settings import envint_min


def test_envint_min_reads_a_whole_number_at_or_above_the_minimum(monkeypatch):
    monkeypatch.setenv("X_ATTEMPTS", "1")
    assert envint_min("X_ATTEMPTS", "8", 1) == 1
    monkeypatch.delenv("X_ATTEMPTS")
    assert envint_min("X_ATTEMPTS", "8", 1) == 8


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("0", "X_ATTEMPTS must be at least 1, got 0"),
        ("-3", "at least 1, got -3"),
        ("two", "must be an integer"),
    ],
)
def test_envint_min_refuses_nonsense(monkeypatch, raw, message):
    monkeypatch.setenv("X_ATTEMPTS", raw)
    with pytest.raises(ImproperlyConfigured, match=message):
        envint_min("X_ATTEMPTS", "8", 1)
