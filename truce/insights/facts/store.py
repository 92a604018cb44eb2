"""Facts rows in and out: states loaded from the live tables, upserted back (live upkeep), or
inserted set-wise into empty tables (rebuild, as-of)."""

import json
import operator
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from django.db import connection

from truce.ledger.bulk import insert_rows

from ..models import LeadFacts, StageFacts, TouchFacts
from .reducer import LeadState, PathTouch, Visit, path, whole_seconds
from .source import Tables

LEAD_COLUMNS: tuple[str, ...] = tuple(f.attname for f in LeadFacts._meta.concrete_fields)
STAGE_COLUMNS = (
    "lead_id", "stage_id", "visit", "entered_at", "exited_at", "seconds", "lead_created_at"
)  # fmt: skip
TOUCH_COLUMNS = ("touch_id", "lead_id", "position", "occurred_at", "campaign_id", "channel")
_UPDATED = [f.name for f in LeadFacts._meta.concrete_fields if not f.primary_key]
_TIMES = [
    i
    for i, f in enumerate(LeadFacts._meta.concrete_fields)
    if f.get_internal_type() == "DateTimeField"
]
_AMOUNT, _KINDS = LEAD_COLUMNS.index("amount"), LEAD_COLUMNS.index("touch_kinds")
_row_of = operator.attrgetter(*LEAD_COLUMNS)


def load_states(lead_ids: Iterable[int]) -> dict[int, LeadState]:
    """Live facts rows as states, without touch times (a row keeps only the aggregates)."""
    ids = list(lead_ids)
    states = {
        row["lead_id"]: LeadState(**row, visits=[], touch_times=None)
        for row in LeadFacts.objects.filter(lead_id__in=ids).values(*LEAD_COLUMNS)
    }
    visits = StageFacts.objects.filter(lead_id__in=ids).order_by("lead_id", "visit", "pk")
    stays = visits.values_list("lead_id", "stage_id", "visit", "entered_at", "exited_at")
    for lead_id, stage_id, visit, entered_at, exited_at in stays:
        states[lead_id].visits.append(Visit(stage_id, visit, entered_at, exited_at, dirty=False))
    return states


def save_states(states: Iterable[LeadState]) -> None:
    """Upsert the states' rows and their changed visits (live upkeep: few rows at a time)."""
    kept = [state for state in states if state.created_at is not None]
    LeadFacts.objects.bulk_create(
        [LeadFacts(**_values(state)) for state in kept],
        update_conflicts=True,
        unique_fields=["lead_id"],
        update_fields=_UPDATED,
    )
    visits = [
        StageFacts(**dict(zip(STAGE_COLUMNS, stay_row(s, v), strict=True)))
        for s in kept for v in s.visits if v.dirty
    ]  # fmt: skip
    StageFacts.objects.bulk_create(
        visits,
        update_conflicts=True,
        unique_fields=["lead_id", "stage_id", "visit"],
        update_fields=["entered_at", "exited_at", "seconds", "lead_created_at"],
    )
    # A state replayed from its history knows its whole path: it replaces the stored one
    # (positions may have moved). One loaded from its row only adds touches at the end.
    replaced = [state.lead_id for state in kept if state.touch_times is not None]
    TouchFacts.objects.filter(lead_id__in=replaced).delete()
    rows = [touch_row(state.lead_id, t) for state in kept for t in _touches(state)]
    TouchFacts.objects.bulk_create(
        TouchFacts(**dict(zip(TOUCH_COLUMNS, row, strict=True))) for row in rows
    )


def _touches(state: LeadState) -> list[PathTouch]:
    return path(state) if state.touch_times is not None else state.appended


def touch_row(lead_id: int, t: PathTouch) -> tuple[Any, ...]:
    """A TouchFacts row in TOUCH_COLUMNS order."""
    return (t.touch_id, lead_id, t.position, t.at, t.campaign_id, t.channel)


def stay_row(state: LeadState, v: Visit) -> tuple[Any, ...]:
    """A StageFacts row in STAGE_COLUMNS order, with what it derives: the stay's whole seconds
    and its lead's creation time."""
    return (state.lead_id, v.stage_id, v.visit, v.entered_at, v.exited_at,
            whole_seconds(v.entered_at, v.exited_at), state.created_at)  # fmt: skip


def _values(state: LeadState) -> dict[str, Any]:
    values = {name: getattr(state, name) for name in LEAD_COLUMNS}
    values["touch_kinds"] = dict(sorted(state.touch_kinds.items()))
    return values


class RowWriter:
    """Rows of finished states for a set-based insert into (empty) facts tables."""

    def __init__(self, tables: Tables, *, chunk: int = 5000) -> None:
        self.tables, self.chunk = tables, chunk
        self.sqlite = connection.vendor == "sqlite"
        self.leads: list[Sequence[Any]] = []
        self.visits: list[Sequence[Any]] = []
        self.touches: list[Sequence[Any]] = []
        self.written = 0

    def add(self, state: LeadState) -> None:
        if state.created_at is None:
            return  # no lead.created (yet): not a lead facts can describe
        row = list(_row_of(state))
        row[_KINDS] = json.dumps(dict(sorted(state.touch_kinds.items())))  # as Django writes it
        time = self._time
        if self.sqlite:
            for i in _TIMES:
                row[i] = time(row[i])
            row[_AMOUNT] = None if row[_AMOUNT] is None else str(row[_AMOUNT])
        self.leads.append(row)
        for v in state.visits:
            lead_id, stage_id, visit, entered, exited, seconds, created = stay_row(state, v)
            self.visits.append(
                (lead_id, stage_id, visit, time(entered), time(exited), seconds, time(created))
            )
        for t in path(state):
            touch_id, lead_id, position, at, campaign_id, channel = touch_row(state.lead_id, t)
            self.touches.append((touch_id, lead_id, position, time(at), campaign_id, channel))
        if len(self.leads) >= self.chunk:
            self.flush()

    def flush(self) -> None:
        insert_rows(self.tables.lead_table, LEAD_COLUMNS, self.leads)
        insert_rows(self.tables.stage_table, STAGE_COLUMNS, self.visits)
        insert_rows(self.tables.touch_table, TOUCH_COLUMNS, self.touches)
        self.written += len(self.leads)
        self.leads, self.visits, self.touches = [], [], []

    def _time(self, value: datetime | None) -> Any:
        """A time as a raw insert takes it: as is on PostgreSQL; on SQLite the text Django
        writes (naive UTC, `str()` of the datetime)."""
        if value is None or not self.sqlite:
            return value
        if value.utcoffset():
            value = value.astimezone(UTC)
        return value.isoformat(" ")[:-6]  # without the "+00:00"
