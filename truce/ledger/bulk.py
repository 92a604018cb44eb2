"""Appending many events at once: the chain and canonical form of hashing.py, built set-wise.

`services.append_many` builds one model instance per event and saves them with `bulk_create`,
which is right for a request but ~10x too slow for seeding or backfills of millions of events.
Here events are plain tuples, times are epoch seconds formatted from a table, the canonical body
is assembled as text (checked against `hashing.event_hash` by the tests) and rows go to the
database with COPY (PostgreSQL) or one `executemany` (SQLite).
"""

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

from django.db import connection

from truce.errors import Conflict

from .hashing import EVENT_COLUMNS, GENESIS_HASH, canonical_time, normalise_payload
from .models import Event, Head

_DAY = 86400


class ChainMoved(Conflict):
    code = "ledger_chain_moved"


class BulkEvent(NamedTuple):
    """One event to append. `occurred_at` is whole epoch seconds (UTC); `payload` is
    `payload_text(...)` of the payload (plain tuples in this order work as well)."""

    kind: str
    occurred_at: int
    actor_id: int | None
    subject_type: str
    subject_id: int
    lead_id: int | None
    payload: str
    imported: bool = False


def payload_text(payload: dict[str, Any]) -> str:
    """The payload exactly as `event_hash` serialises it, which is also what we store."""
    return json.dumps(
        normalise_payload(payload), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )


def plain_payload_text(payload: dict[str, Any]) -> str:
    """`payload_text` for payloads of strings, integers, booleans, None, Decimals and dates
    (as DjangoJSONEncoder writes them), lists and dicts of those: no floats or datetimes, which
    is what `normalise_payload` is for. Several times faster, for bulk writers."""
    return _PLAIN.encode(payload)


def _decimal_text(value: Any) -> str:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not a plain payload value")


_PLAIN = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_decimal_text
)  # one encoder for every payload: json.dumps would build one per call


class TimeText:
    """Epoch seconds to text, fast: a day's date and a time of day are looked up, not formatted.

    `db(t)` is what the current database accepts for a timestamp column; `canonical(t)` is
    `hashing.canonical_time` of the same instant.
    """

    def __init__(self, vendor: str | None = None) -> None:
        vendor = vendor or connection.vendor
        self.suffix = "+00" if vendor == "postgresql" else ""
        self._hms = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(_DAY)]
        self._days: dict[int, str] = {}

    def _parts(self, t: int) -> tuple[str, str]:
        day, sec = divmod(t, _DAY)
        text = self._days.get(day)
        if text is None:
            text = datetime.fromtimestamp(day * _DAY, UTC).strftime("%Y-%m-%d")
            self._days[day] = text
        return text, self._hms[sec]

    def db(self, t: int) -> str:
        day, hms = self._parts(t)
        return f"{day} {hms}{self.suffix}"

    def canonical(self, t: int) -> str:
        day, hms = self._parts(t)
        return f"{day}T{hms}.000000Z"

    def db_date(self, t: int) -> str:
        return self._parts(t)[0]

    def db_exact(self, moment: datetime) -> str:
        return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f") + self.suffix


@dataclass(frozen=True)
class EventBatch:
    """Chained rows ready to insert, and the head before and after them."""

    rows: list[tuple[Any, ...]]
    before: tuple[int, str]
    after: tuple[int, str]


class Chain:
    """The chain head while appending: turns events into rows, in order, hashing as it goes.

    It touches no database, so a chain can be carried on in another process; `write_batch`
    checks that the head did not move in between.
    """

    def __init__(self, *, seq: int, hash: str, recorded_at: datetime, times: TimeText) -> None:
        self.seq, self.hash, self.times = seq, hash, times
        self._recorded = canonical_time(recorded_at)
        self._recorded_db = times.db_exact(recorded_at)
        self._names: dict[str, str] = {}

    def _name(self, text: str) -> str:
        quoted = self._names.get(text)
        if quoted is None:
            quoted = self._names[text] = json.dumps(text, ensure_ascii=False)
        return quoted

    def batch(self, events: Iterable[Sequence[Any]]) -> EventBatch:
        """Rows in EVENT_COLUMNS order. The body is json.dumps of hashing.event_hash's list."""
        out = []
        before = (self.seq, self.hash)
        seq, prev, rec, rec_db = self.seq, self.hash, self._recorded, self._recorded_db
        parts, suffix, name, sha = self.times._parts, self.times.suffix, self._name, hashlib.sha256
        for kind, occurred, actor, stype, sid, lead, payload, imported in events:
            seq += 1
            day, hms = parts(occurred)
            body = (
                f'[{seq},{name(kind)},"{day}T{hms}.000000Z","{rec}",'
                f"{'null' if actor is None else actor},{name(stype)},{sid},"
                f"{'null' if lead is None else lead},{payload},{'true' if imported else 'false'}]"
            )
            digest = sha(f"{prev}\n{body}".encode()).hexdigest()
            out.append(
                (
                    seq,
                    kind,
                    f"{day} {hms}{suffix}",
                    rec_db,
                    actor,
                    stype,
                    sid,
                    lead,
                    payload,
                    imported,
                    prev,
                    digest,
                )
            )
            prev = digest
        self.seq, self.hash = seq, prev
        return EventBatch(rows=out, before=before, after=(seq, prev))


def head() -> tuple[int, str]:
    found = Head.objects.filter(pk=1).first()
    return (found.seq, found.hash) if found else (0, GENESIS_HASH)


def start_chain(*, recorded_at: datetime, times: TimeText) -> Chain:
    seq, digest = head()
    return Chain(seq=seq, hash=digest, recorded_at=recorded_at, times=times)


def write_batch(batch: EventBatch, *, attached: str | None = None) -> int:
    """Insert a batch under the head's lock, in the caller's transaction; returns its size.

    With `attached`, the rows were staged in that attached SQLite database's event table
    (see `insert_attached`) and `batch.rows` is empty.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("Ledger events must be appended inside the transaction that made them.")
    locked, _ = Head.objects.select_for_update().get_or_create(pk=1)
    if (locked.seq, locked.hash) != batch.before:
        raise ChainMoved(
            f"The ledger moved to #{locked.seq} while a batch for #{batch.before[0]} was built."
        )
    if attached:
        insert_attached(attached, Event._meta.db_table, EVENT_COLUMNS)
    else:
        insert_rows(Event._meta.db_table, EVENT_COLUMNS, batch.rows)
    if batch.after != batch.before:
        Head.objects.filter(pk=1).update(seq=batch.after[0], hash=batch.after[1])
    return batch.after[0] - batch.before[0]


def insert_rows(table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Set-based insert of raw rows: COPY on PostgreSQL, one executemany on SQLite."""
    if not rows:
        return
    names = ", ".join(f'"{c}"' for c in columns)
    if connection.vendor == "postgresql":
        sql = f'COPY "{table}" ({names}) FROM STDIN'
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:  # type: ignore[attr-defined]
            for row in rows:
                copy.write_row(row)
        return
    connection.ensure_connection()
    marks = ", ".join("?" * len(columns))
    raw: Any = connection.connection
    raw.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)


def insert_attached(schema: str, table: str, columns: Sequence[str]) -> None:
    """SQLite: copy rows staged in an attached database's table of the same name.

    One INSERT ... SELECT runs entirely inside SQLite: about twice as fast as binding the
    same rows from Python, so another process can stage while this one inserts.
    """
    names = ", ".join(f'"{c}"' for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO main."{table}" ({names}) SELECT {names} FROM "{schema}"."{table}"'
        )


StagedTable = tuple[str, Sequence[str], Sequence[Sequence[Any]]]


def stage_tables(path: Path, tables: Iterable[StagedTable]) -> None:
    """Write rows into a SQLite file of their own (plain tables, no index), for a writer to
    attach (`attached`) and copy with `insert_attached`: built in one process, inserted in
    another, with no row crossing between them."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("BEGIN")
    for table, columns, rows in tables:
        names = ", ".join(f'"{c}"' for c in columns)
        db.execute(f'CREATE TABLE "{table}" ({names})')
        marks = ", ".join("?" * len(columns))
        db.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)
    db.execute("COMMIT")
    db.close()


@contextmanager
def attached(path: Path, schema: str = "staged") -> Iterator[str]:
    """The staged file attached to this (SQLite) connection while the block runs; then
    detached and deleted."""
    with connection.cursor() as cursor:
        cursor.execute(f"ATTACH DATABASE %s AS {schema}", [str(path)])
    try:
        yield schema
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DETACH DATABASE {schema}")
        path.unlink()
