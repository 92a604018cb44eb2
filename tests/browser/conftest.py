"""Real headless Chromium (Debian's, never a downloaded one) driving the live pages."""

import pytest

from truce.funnel import defaults


@pytest.fixture(autouse=True)
def default_funnel(transactional_db):
    # An earlier transactional test's flush empties the stages the migration installed.
    defaults.install()


@pytest.fixture
def ada_lead(acme_lead):
    return acme_lead
