"""Reading leads' histories from the ledger: the events facts are made of, lead by lead.

Events are read in (lead_id, seq) order — the ledger's lead timeline index — so a rebuild
holds one lead in memory at a time instead of a million, and streamed through a server-side
cursor on PostgreSQL. Payloads are parsed once here, with the standard library.
"""

import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from django.db import connection

from truce.ledger.models import Event

from .reducer import REDUCED_KINDS, LedgerEvent

FETCH = 5000
IN_CHUNK = 500


def _query(lead_ids: list[int] | None, until: datetime | None) -> tuple[str, list[Any]]:
    kinds = ", ".join(["%s"] * len(REDUCED_KINDS))
    sql = (
        "SELECT seq, kind, occurred_at, lead_id, subject_id, payload "
        f'FROM "{Event._meta.db_table}" WHERE lead_id IS NOT NULL AND kind IN ({kinds})'
    )
    params: list[Any] = list(REDUCED_KINDS)
    if lead_ids is not None:
        sql += f" AND lead_id IN ({', '.join(['%s'] * len(lead_ids))})"
        params += lead_ids
    if until is not None:
        sql += " AND recorded_at <= %s"
        params.append(until)
    return sql + " ORDER BY lead_id, seq", params


def moment(value: Any) -> datetime:
    """A time from the database or a bulk writer: aware, naive (UTC), ISO text or epoch
    seconds (the bulk writers' own form)."""
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _events(sql: str, params: list[Any]) -> Iterator[LedgerEvent]:
    cursor = connection.chunked_cursor() if connection.vendor == "postgresql" else None
    with cursor or connection.cursor() as reader:
        reader.execute(sql, params)
        while rows := reader.fetchmany(FETCH):
            for seq, kind, occurred_at, lead_id, subject_id, payload in rows:
                if isinstance(payload, str):
                    payload = json.loads(payload)
                yield LedgerEvent(
                    seq, kind, moment(occurred_at), None, None, lead_id, payload, subject_id
                )


def _grouped(events: Iterable[LedgerEvent]) -> Iterator[tuple[int, list[LedgerEvent]]]:
    current: list[LedgerEvent] = []
    for event in events:
        if current and event.lead_id != current[0].lead_id:
            yield current[0].lead_id, current
            current = []
        current.append(event)
    if current:
        yield current[0].lead_id, current


def histories(*, until: datetime | None = None) -> Iterator[tuple[int, list[LedgerEvent]]]:
    """Every lead's events (recorded up to `until`, if given), one lead at a time."""
    return _grouped(_events(*_query(None, until)))


def histories_of(lead_ids: Iterable[int]) -> Iterator[tuple[int, list[LedgerEvent]]]:
    ids = sorted(set(lead_ids))
    for start in range(0, len(ids), IN_CHUNK):
        yield from _grouped(_events(*_query(ids[start : start + IN_CHUNK], None)))
