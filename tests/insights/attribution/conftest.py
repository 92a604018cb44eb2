"""Leads with facts written straight into the facts table and marketing touches straight into
the touches table, their paths worked out from those: "given these facts and touches, the
report says X"."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from tests.insights.given import given_facts, given_paths
from truce.identity.models import TeamKey
from truce.touches.models import Touch, TouchKind

T0 = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def day(n: float) -> datetime:
    return T0 + n * DAY


@pytest.fixture
def make_journey(make_lead):
    """make_journey(touches=[(day, campaign or None, channel)], created=day, **facts by day):
    a real lead, its facts row, and its touches (marketing unless a fourth item says sales);
    `won` sets the outcome to won unless `outcome` says otherwise.
    Returns (lead id, [touch ids])."""

    def make(touches=(), created: float = 0, amount: str | None = None, outcome=None, **days: Any):
        lead = make_lead()
        fields = {f"{k}_at": None if v is None else day(v) for k, v in days.items()}
        fields.setdefault("won_at", None)
        given_facts(
            lead_id=lead.pk,
            created_at=day(created),
            cohort=day(created).strftime("%Y-%m"),
            outcome=outcome or ("won" if fields["won_at"] else "open"),
            amount=None if amount is None else Decimal(amount),
            **fields,
        )
        ids = [_touch(lead, *spec).pk for spec in touches]
        given_paths()
        return lead.pk, ids

    return make


def _touch(lead: Any, at: float, campaign: Any, channel: str = "", team: str = "marketing"):
    kind = TouchKind.EMAIL_CLICK if team == TeamKey.MARKETING else TouchKind.CALL
    return Touch.objects.create(
        lead=lead,
        contact_id=lead.contact_id,
        kind=kind,
        team=team,
        channel=channel,
        campaign=campaign,
        occurred_at=day(at),
        created_at=day(at),
    )
