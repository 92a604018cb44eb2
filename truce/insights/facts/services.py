"""Keeping facts: live as events are written, in bulk from the ledger, and checked.

- `apply_events(rows)`: the live path. The ledger's listener calls it with each transaction's
  new events; bulk writers that append without listeners (the import) call it per batch,
  after the batch's events are in the ledger and in the same transaction.
- `rebuild_facts()`: the facts tables from the ledger, set-wise (`truce facts rebuild`).
- `check_facts()`: a rebuild into temporary tables compared with the live ones, row by row.
"""

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection, transaction

from truce.ledger.models import Event

from ..models import LeadFacts
from .history import histories, histories_of, moment
from .reducer import HANDLERS, REDUCED_KINDS, LeadState, LedgerEvent, NeedsHistory, apply
from .reference import Reference
from .source import LIVE, Tables
from .store import LEAD_COLUMNS, STAGE_COLUMNS, TOUCH_COLUMNS, RowWriter, load_states, save_states
from .tables import scratch_tables

Progress = Callable[[int], None]


def replay(lead_id: int, events: Iterable[LedgerEvent], refs: Reference) -> LeadState:
    """A lead's facts from its whole history: what the rebuild writes for it."""
    state = LeadState(lead_id=lead_id)
    for event in events:
        apply(state, event, refs)
    return state


def _event(row: Sequence[Any]) -> LedgerEvent:
    seq, kind, occurred_at, recorded_at, actor_id, lead_id, payload, subject_id = row
    if isinstance(payload, str):
        payload = json.loads(payload)
    return LedgerEvent(
        seq, kind, moment(occurred_at), recorded_at, actor_id, lead_id, payload, subject_id
    )


def apply_events(rows: Iterable[Sequence[Any]]) -> int:
    """Bring the facts of the rows' leads up to date with them; returns the leads changed.

    rows: (seq, kind, occurred_at, recorded_at, actor_id, lead_id, payload, subject_id),
    payload a dict or its JSON text, occurred_at a datetime (naive means UTC), ISO text or
    epoch seconds.
    Call it after the events are in the ledger, in the same transaction: a lead that needs
    its whole history reads it from there. Events already applied (seq <= the row's
    last_seq) and events about no lead are ignored, so applying twice changes nothing.
    """
    by_lead: dict[int, list[LedgerEvent]] = defaultdict(list)
    for row in rows:
        if row[5] is not None and row[1] in HANDLERS:
            event = _event(row)
            by_lead[event.lead_id].append(event)
    if not by_lead:
        return 0
    refs = Reference.load(with_teams=False)
    states = load_states(by_lead)
    stored = set(states)  # leads with a facts row already; the others get a plain insert
    stale = missed_events(states, by_lead)
    for lead_id, events in by_lead.items():
        events.sort(key=lambda e: e.seq)
        state = states.get(lead_id)
        if lead_id in stale or (state is None and events[0].kind != "lead.created"):
            stale.add(lead_id)  # facts began after this lead did: read its whole history
            continue
        state = states.setdefault(lead_id, LeadState(lead_id=lead_id))
        try:
            for event in events:
                apply(state, event, refs)
        except NeedsHistory:
            stale.add(lead_id)
    for lead_id, history in histories_of(stale):
        states[lead_id] = replay(lead_id, history, refs)
    changed = [lead_id for lead_id in by_lead if lead_id in states]
    save_states(states[i] for i in changed if i in stored or i in stale)
    fresh = RowWriter(LIVE)
    for lead_id in changed:
        if lead_id not in stored and lead_id not in stale:
            fresh.add(states[lead_id])  # a new lead (an import's, say): no upsert needed
    fresh.flush()
    return len(by_lead)


def missed_events(states: dict[int, LeadState], by_lead: dict[int, list[LedgerEvent]]) -> set[int]:
    """Leads with events in the ledger after their row's last_seq that are not being applied:
    a bulk writer that did not hand its events over. Those leads are replayed in full."""
    if not states:
        return set()
    since = min(state.last_seq for state in states.values())
    kinds = ", ".join(["%s"] * len(REDUCED_KINDS))
    leads = ", ".join(["%s"] * len(states))
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT lead_id, seq FROM "{Event._meta.db_table}" WHERE lead_id IN ({leads}) '
            f"AND seq > %s AND kind IN ({kinds})",
            [*states, since, *REDUCED_KINDS],
        )
        found = cursor.fetchall()
    given = {(e.lead_id, e.seq) for events in by_lead.values() for e in events}
    return {
        lead_id
        for lead_id, seq in found
        if seq > states[lead_id].last_seq and (lead_id, seq) not in given
    }


def on_events(events: list[Event]) -> None:
    """The ledger's listener: new events of a transaction, applied in that transaction."""
    apply_events(
        (e.seq, e.kind, e.occurred_at, e.recorded_at, e.actor_id, e.lead_id, e.payload,
         e.subject_id)
        for e in events
    )  # fmt: skip


def follow_team_change(*, user_id: int, team: str) -> int:
    """A user changed team (no event says so): their leads' `team` follows."""
    return LeadFacts.objects.filter(owner_id=user_id).exclude(team=team).update(team=team)


def on_user_saved(sender: Any, instance: Any, created: bool, update_fields: Any, **kw: Any) -> None:
    """post_save of a user: only a save that may have changed the team costs a query."""
    if created or (update_fields is not None and "team" not in update_fields):
        return
    team = instance.team.key if instance.team_id else ""
    follow_team_change(user_id=instance.pk, team=team)


# Rebuild and check.


def build(
    tables: Tables,
    *,
    until: datetime | None = None,
    progress: Progress | None = None,
) -> int:
    """Fill empty facts tables from the ledger (events recorded up to `until`, if given)."""
    refs = Reference.load()
    writer = RowWriter(tables)
    for lead_id, events in histories(until=until):
        writer.add(replay(lead_id, events, refs))
        if progress and not writer.leads:
            progress(writer.written)
    writer.flush()
    return writer.written


def _empty_live_tables() -> None:
    tables = [LIVE.lead_table, LIVE.stage_table, LIVE.touch_table]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY")
        else:
            for table in tables:
                cursor.execute(f'DELETE FROM "{table}"')


@transaction.atomic
def rebuild_facts(*, progress: Progress | None = None) -> int:
    """Replace the facts tables with what the ledger says; returns the leads written."""
    _empty_live_tables()
    return build(LIVE, progress=progress)


@dataclass
class Difference:
    table: str
    key: tuple[Any, ...]
    live: dict[str, Any] | None
    rebuilt: dict[str, Any] | None

    def __str__(self) -> str:
        if self.live is None or self.rebuilt is None:
            where = "missing from the live facts" if self.live is None else "not in the ledger"
            return f"{self.table} {self.key}: {where}"
        changed = [
            f"{name}: live {self.live[name]!r}, rebuilt {self.rebuilt[name]!r}"
            for name in self.live
            if self.live[name] != self.rebuilt[name]
        ]
        return f"{self.table} {self.key}: " + "; ".join(changed)


@dataclass
class CheckReport:
    leads: int
    differences: list[Difference] = field(default_factory=list)


def check_facts(*, limit: int = 100) -> CheckReport:
    """Rebuild into temporary tables and compare every column with the live facts."""
    with transaction.atomic(), scratch_tables("check") as tables:
        leads = build(tables)
        found = _compare("lead", LIVE.lead_table, tables.lead_table, LEAD_COLUMNS, 1)
        found += _compare("stage", LIVE.stage_table, tables.stage_table, STAGE_COLUMNS, 3)
        found += _compare("touch", LIVE.touch_table, tables.touch_table, TOUCH_COLUMNS, 1)
    return CheckReport(leads=leads, differences=found[:limit])


def _rows(table: str, columns: Sequence[str], keys: int) -> Iterator[tuple[Any, ...]]:
    names = ", ".join(f'"{c}"' for c in columns)
    order = ", ".join(f'"{c}"' for c in columns[:keys])
    cursor = connection.chunked_cursor() if connection.vendor == "postgresql" else None
    with cursor or connection.cursor() as cursor:
        cursor.execute(f'SELECT {names} FROM "{table}" ORDER BY {order}')
        while rows := cursor.fetchmany(5000):
            for row in rows:
                yield tuple(json.loads(v) if isinstance(v, str) and v[:1] == "{" else v
                            for v in row)  # fmt: skip


def _compare(
    name: str, live: str, rebuilt: str, columns: Sequence[str], keys: int
) -> list[Difference]:
    """A merge of both tables in key order: every row missing on one side or different."""
    found: list[Difference] = []

    def as_dict(row: tuple[Any, ...] | None) -> dict[str, Any] | None:
        return dict(zip(columns, row, strict=True)) if row is not None else None

    a, b = _rows(live, columns, keys), _rows(rebuilt, columns, keys)
    x, y = next(a, None), next(b, None)
    while x is not None or y is not None:
        if y is None or (x is not None and x[:keys] < y[:keys]):
            found.append(Difference(name, x[:keys], as_dict(x), None))  # type: ignore[index]
            x = next(a, None)
        elif x is None or y[:keys] < x[:keys]:
            found.append(Difference(name, y[:keys], None, as_dict(y)))
            y = next(b, None)
        else:
            if x != y:
                found.append(Difference(name, x[:keys], as_dict(x), as_dict(y)))
            x, y = next(a, None), next(b, None)
    return found
