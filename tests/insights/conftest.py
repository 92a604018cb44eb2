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
from truce.insights.facts.reducer import stage_bit, whole_seconds
from truce.insights.models import StageFacts

T0 = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
DAY = timedelta(days=1)


@pytest.fixture
def stage_id(db):
    ids: dict[str, int] = {}

    def find(key: str) -> int:
        if key not in ids:  # stages made by a test after this fixture ran are found too
            ids.update(Stage.objects.values_list("key", "pk"))
        return ids[key]

    return find


@pytest.fixture
def make_facts(stage_id):
    """make_facts(lead_id, stays=[(stage key, entered day, exited day or None)], **fields):
    days count from `created_at` (default T0); a stage's stays number 1, 2, … in order. The
    derived columns are filled as the reducer fills them (tests/insights/facts checks those
    by hand): the stages-reached bits, each stay's seconds and its lead's creation time."""

    def make(lead_id: int, stays: list[tuple[str, float, float | None]] = (), **fields: Any):
        created = fields.pop("created_at", T0)
        fields.setdefault("cohort", created.strftime("%Y-%m"))
        fields.setdefault("stages_reached", 0)
        for key, _, _ in stays:
            fields["stages_reached"] |= stage_bit(stage_id(key))
        facts = given_facts(lead_id=lead_id, created_at=created, **fields)
        visits: dict[str, int] = {}
        for key, entered, exited in stays:
            visits[key] = visits.get(key, 0) + 1
            entered_at = created + entered * DAY
            exited_at = None if exited is None else created + exited * DAY
            StageFacts.objects.create(
                lead_id=lead_id,
                stage_id=stage_id(key),
                visit=visits[key],
                entered_at=entered_at,
                exited_at=exited_at,
                seconds=whole_seconds(entered_at, exited_at),
                lead_created_at=created,
            )
        return facts

    return make
