"""Real headless Chromium (Debian's, never a downloaded one) driving the live pages."""

import pytest

from truce.funnel import defaults


@pytest.fixture(autouse=True)
def default_funnel(transactional_db):
    # An earlier transactional test's flush empties the stages the migration installed.
    defaults.install()


@pytest.fixture
def ada_lead(make_company, make_contact, make_lead, rep):
    company = make_company(name="Acme Corp", domain="acme.example", employees=250)
    contact = make_contact(
        email="ada@acme.example", first_name="Ada", last_name="Lovelace", company=company
    )
    return make_lead("mql", contact=contact, owner=rep, source="webinar", score=55)


@pytest.fixture
def refresh():
    def get(lead):
        lead.refresh_from_db()
        return lead

    return get
