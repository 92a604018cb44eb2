"""Facts written straight into the facts tables: "given these facts, the report says X"."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.agreements.test_scoreboard import (  # noqa: F401 (the scoreboard's month, reused)
    hand_over,
    november,
    people,
    signed_long_ago,
)
from tests.insights.given import given_facts
from truce.funnel.models import Stage
from truce.insights.models import StageFacts

T0 = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
DAY = timedelta(days=1)


@pytest.fixture
def stage_id(db):
    ids = dict(Stage.objects.values_list("key", "pk"))
    return ids.__getitem__


@pytest.fixture
def make_facts(stage_id):
    """make_facts(lead_id, stays=[(stage key, entered day, exited day or None)], **fields):
    days count from `created_at` (default T0); a stage's stays number 1, 2, … in order."""

    def make(lead_id: int, stays: list[tuple[str, float, float | None]] = (), **fields: Any):
        created = fields.pop("created_at", T0)
        fields.setdefault("cohort", created.strftime("%Y-%m"))
        facts = given_facts(lead_id=lead_id, created_at=created, **fields)
        visits: dict[str, int] = {}
        for key, entered, exited in stays:
            visits[key] = visits.get(key, 0) + 1
            StageFacts.objects.create(
                lead_id=lead_id,
                stage_id=stage_id(key),
                visit=visits[key],
                entered_at=created + entered * DAY,
                exited_at=None if exited is None else created + exited * DAY,
            )
        return facts

    return make
