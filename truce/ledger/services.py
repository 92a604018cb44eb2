"""Appending to the ledger. There is deliberately no function here that changes an event."""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from .hashing import event_hash, normalise_payload
from .models import Event, Head


@dataclass(frozen=True)
class NewEvent:
    kind: str
    subject_type: str
    subject_id: int
    payload: dict[str, Any] = field(default_factory=dict)
    actor_id: int | None = None
    lead_id: int | None = None
    occurred_at: datetime | None = None
    imported: bool = False


# Listeners hear of events as they are appended: called inside the appending transaction with
# the new events, so what they write commits or rolls back with them; anything outside the
# database (a job, an HTTP call) they defer with `transaction.on_commit`. Webhooks register
# here (notify's AppConfig.ready) so that the ledger imports no other app. Imported events and
# the bulk writer (bulk.py: seeding, backfills) are not announced.
Listener = Callable[[list[Event]], object]
_listeners: list[Listener] = []


def listen(listener: Listener) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def _announce(rows: list[Event]) -> None:
    live = [row for row in rows if not row.imported]
    if live:
        for listener in _listeners:
            listener(live)


def _lock_head() -> Head:
    head, _ = Head.objects.select_for_update().get_or_create(pk=1)
    return head


def append(
    *,
    kind: str,
    subject_type: str,
    subject_id: int,
    actor: Any = None,
    payload: dict[str, Any] | None = None,
    lead_id: int | None = None,
    occurred_at: datetime | None = None,
    imported: bool = False,
) -> Event:
    """Append one event in the caller's transaction (it must be inside one)."""
    new = NewEvent(
        kind=kind,
        subject_type=subject_type,
        subject_id=subject_id,
        payload=payload or {},
        actor_id=getattr(actor, "pk", None),
        lead_id=lead_id,
        occurred_at=occurred_at,
        imported=imported,
    )
    return append_many([new])[0]


def append_many(events: Sequence[NewEvent], *, batch_size: int = 2000) -> list[Event]:
    """Append events in order under one lock of the chain head."""
    if not connection.in_atomic_block:
        raise RuntimeError("Ledger events must be appended inside the transaction that made them.")
    head = _lock_head()
    rows = list(_chain(head, events, timezone.now()))
    Event.objects.bulk_create(rows, batch_size=batch_size)
    if rows:
        Head.objects.filter(pk=head.pk).update(seq=rows[-1].seq, hash=rows[-1].hash)
        _announce(rows)
    return rows


def _chain(head: Head, events: Iterable[NewEvent], now: datetime) -> Iterable[Event]:
    prev_hash, seq = head.hash, head.seq
    for new in events:
        seq += 1
        payload = normalise_payload(new.payload)
        occurred_at = new.occurred_at or now
        digest = event_hash(
            prev_hash=prev_hash,
            seq=seq,
            kind=new.kind,
            occurred_at=occurred_at,
            recorded_at=now,
            actor_id=new.actor_id,
            subject_type=new.subject_type,
            subject_id=new.subject_id,
            lead_id=new.lead_id,
            payload=payload,
            imported=new.imported,
        )
        yield Event(
            seq=seq,
            kind=new.kind,
            occurred_at=occurred_at,
            recorded_at=now,
            actor_id=new.actor_id,
            subject_type=new.subject_type,
            subject_id=new.subject_id,
            lead_id=new.lead_id,
            payload=payload,
            imported=new.imported,
            prev_hash=prev_hash,
            hash=digest,
        )
        prev_hash = digest


@transaction.atomic
def append_in_own_transaction(events: Sequence[NewEvent]) -> list[Event]:
    return append_many(events)
