from datetime import date

import pytest

from truce.agreements.services import calendars, signing
from truce.identity.models import Role

ALWAYS_OPEN = [{"start": "00:00", "end": "24:00"}]


@pytest.fixture
def owners(make_user):
    marketing = make_user(Role.MARKETING_OWNER, username="vp_marketing", email="vpm@example.com")
    sales = make_user(Role.SALES_OWNER, username="vp_sales", email="vps@example.com")
    return marketing, sales


@pytest.fixture
def always_open(owners):
    """A calendar where business time is real time: arithmetic in tests stays obvious."""
    return calendars.create_calendar(
        name="Always open",
        time_zone="UTC",
        working_days=list(range(7)),
        hours=ALWAYS_OPEN,
        actor=owners[0],
    )


SLA = [
    {"kind": "mql_volume", "target": 100, "period": "month"},
    {"kind": "acceptance_rate", "target": 80},
    {"kind": "first_touch", "target": 100, "hours": 4, "escalate_after_hours": 8},
    {"kind": "touches", "target": 3, "days": 7},
    {"kind": "disposition", "target": 100, "hours": 24},
    {"kind": "outcome", "target": 100, "days": 30},
]


@pytest.fixture
def make_agreement(owners, always_open):
    def make(commitments=None, *, sign=True, calendar=None, **fields):
        agreement = signing.create_agreement(
            title=fields.pop("title", "Marketing–sales SLA"),
            calendar=calendar or always_open,
            effective_from=fields.pop("effective_from", date(2020, 1, 1)),
            commitments=SLA if commitments is None else commitments,
            actor=owners[0],
            **fields,
        )
        if sign:
            signing.sign_agreement(agreement=agreement, actor=owners[0])
            signing.sign_agreement(agreement=agreement, actor=owners[1])
            agreement.refresh_from_db()
        return agreement

    return make
