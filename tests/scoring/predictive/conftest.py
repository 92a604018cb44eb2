"""Closed and open leads made through the funnel's own services, with a known signal."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from truce.funnel.services import leads as lead_services
from truce.touches import services as touch_services

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
REASON = {"lost": "price", "disqualified": "spam", "recycled": "not_ready"}


@pytest.fixture
def make_closed(make_lead, admin_user):
    """A lead created at `day` days after START, touched, then closed with `outcome`."""

    def make(
        outcome: str | None,
        *,
        source: str = "ads",
        day: int = 0,
        touches: tuple[tuple[str, int], ...] = (),
        closed_after: int = 30,
        **fields: Any,
    ):
        created = START + timedelta(days=day)
        lead = make_lead(source=source, created_at=created, **fields)
        for kind, after in touches:
            touch_services.record_touch(
                lead=lead, kind=kind, actor=admin_user, occurred_at=created + timedelta(days=after)
            )
        if outcome is not None:
            lead = lead_services.set_outcome(
                lead=lead,
                outcome=outcome,
                actor=admin_user,
                reason=REASON.get(outcome),
                amount=1000 if outcome == "won" else None,
                occurred_at=created + timedelta(days=closed_after),
            )
        return lead

    return make


@pytest.fixture
def signal(make_closed):
    """Leads from `partner` win 80 % (16 won of 20), others 10 % (3 won of 30); recycled leads,
    which training leaves out, and two open leads to predict."""
    for i in range(20):
        make_closed("won" if i < 16 else "lost", source="partner", day=i)
    for i in range(30):
        make_closed("won" if i < 3 else ("lost" if i % 2 else "disqualified"), day=i)
    for i in range(4):
        make_closed("recycled", source="partner", day=i)
    return {
        "partner": make_closed(None, source="partner", day=40),
        "ads": make_closed(None, source="ads", day=40),
    }
