"""Web processes share the rate limit: concurrent hits on PostgreSQL never exceed it."""

import threading
from datetime import UTC, datetime

import pytest
from django.db import connections

from truce.webtolead import throttle
from truce.webtolead.errors import Throttled
from truce.webtolead.models import RateWindow

pytestmark = pytest.mark.postgres_only

NOW = datetime(2026, 3, 2, 9, 0, 30, tzinfo=UTC)


@pytest.mark.django_db(transaction=True)
def test_concurrent_hits_take_exactly_the_limit(settings):
    # given eight connections hitting a fresh window with room for three
    settings.TRUCE_WEBFORM_RATE_LIMIT, settings.TRUCE_WEBFORM_RATE_WINDOW = 3, 60
    start = threading.Barrier(8)
    results: list[str] = []

    def hit() -> None:
        try:
            start.wait()
            throttle.hit(address="192.0.2.50", now=NOW)
            results.append("ok")
        except Throttled:
            results.append("throttled")
        finally:
            connections.close_all()

    # when
    threads = [threading.Thread(target=hit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then
    assert sorted(results) == ["ok"] * 3 + ["throttled"] * 5
    assert list(RateWindow.objects.values_list("count", flat=True)) == [3]
