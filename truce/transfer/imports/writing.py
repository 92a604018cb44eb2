"""Writing one batch set-wise: ids reserved up front, rows inserted raw (COPY on PostgreSQL,
executemany on SQLite), changed records updated in bulk, and every change's ledger event
chained in one go — all inside the batch's transaction, so a batch is all there or not at all.
"""

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.db.models import Max, Model

from truce.insights.facts.services import apply_events
from truce.ledger.bulk import (
    Chain,
    EventBatch,
    TimeText,
    insert_attached,
    insert_rows,
    plain_payload_text,
    write_batch,
)
from truce.ledger.models import Event, Head


def epoch(moment: datetime) -> int:
    return int(moment.astimezone(UTC).timestamp())


def ids_by_key(table: str, column: str, keys: Collection[Any]) -> dict[Any, int]:
    """{key: id} of the rows whose `column` is one of `keys` (the lowest id where several
    share a key). Raw SQL: Django's `__in` spends longer preparing 5,000 values than the
    database spends finding them."""
    found: dict[Any, int] = {}
    keys = list(keys)
    with connection.cursor() as cursor:
        for start in range(0, len(keys), 10_000):  # under SQLite's limit of bound variables
            chunk = keys[start : start + 10_000]
            if connection.vendor == "postgresql":
                where, params = f'"{column}" = ANY(%s)', [chunk]
            else:
                where, params = f'"{column}" IN ({", ".join(["%s"] * len(chunk))})', chunk
            cursor.execute(
                f'SELECT "{column}", id FROM "{table}" WHERE {where} ORDER BY id', params
            )
            for key, pk in cursor.fetchall():
                found.setdefault(key, pk)
    return found


def values_of(model: type[Model], pks: Collection[int], columns: Sequence[str]) -> list[dict]:
    """The given rows' `columns`, as Django reads them (JSON parsed, decimals exact)."""
    if not pks:
        return []
    return list(model._default_manager.filter(pk__in=list(pks)).order_by("pk").values(*columns))


def reserve_ids(model: type[Model], count: int) -> list[int]:
    """`count` fresh primary keys. PostgreSQL hands them out from the table's sequence, safe
    beside other writers; SQLite has one writer at a time, and the batch already holds the
    write lock (see `Batch.lock`), so the next ids after the largest are free."""
    if count == 0:
        return []
    table = model._meta.db_table
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return [row[0] for row in cursor.fetchall()]
    start = (model._default_manager.aggregate(m=Max("pk"))["m"] or 0) + 1
    return list(range(start, start + count))


def set_aside_ids(models: Sequence[type[Model]], count: int) -> dict[type[Model], int]:
    """SQLite: the first of `count` ids set aside for each model, for batches built in another
    process before their turn to write. The table's AUTOINCREMENT counter moves past them, so
    rows others insert meanwhile take later ids (unused ones are skipped, like a sequence's)."""
    starts = {}
    with transaction.atomic(), connection.cursor() as cursor:
        for model in models:
            table = model._meta.db_table
            cursor.execute(f'SELECT max(id) FROM "{table}"')
            top = cursor.fetchone()[0] or 0
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            found = cursor.fetchone()
            starts[model] = max(top, found[0] if found else 0) + 1
            if found:
                cursor.execute(
                    "UPDATE sqlite_sequence SET seq = %s WHERE name = %s",
                    [starts[model] + count - 1, table],
                )
            else:
                cursor.execute(
                    "INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)",
                    [table, starts[model] + count - 1],
                )
    return starts


class BlockIds:
    """Ids for one batch: a block per table from the database the first time it needs one."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._free: dict[type[Model], list[int]] = {}

    def new_id(self, model: type[Model]) -> int:
        free = self._free.get(model)
        if free is None:
            free = self._free[model] = reserve_ids(model, self.size)[::-1]
        return free.pop()


class CountingIds:
    """Ids for a whole import, counted up from what `set_aside_ids` set aside."""

    def __init__(self, starts: dict[type[Model], int]) -> None:
        self.next = dict(starts)

    def new_id(self, model: type[Model]) -> int:
        pk = self.next[model]
        self.next[model] = pk + 1
        return pk


IdSource = BlockIds | CountingIds
Tables = dict[str, tuple[Sequence[str], list[tuple[Any, ...]]]]
Update = tuple[type[Model], int, dict[str, Any]]


@dataclass
class Built:
    """A batch ready to write, possibly built in another process: its rows (or the SQLite file
    they were staged in), updates, raw events and, built ahead, those events chained."""

    last_line: int
    counts: Any
    rows: Tables
    updates: list[Update]
    events: list[tuple[Any, ...]]
    chained: EventBatch | None = None
    staged: Path | None = None


@dataclass
class Batch:
    """What one batch writes: raw rows per table, updates, ledger events."""

    actor_id: int | None
    job_id: int
    times: TimeText
    ids: IdSource
    rows: Tables = field(default_factory=dict)
    updates: list[Update] = field(default_factory=list)
    events: list[tuple[Any, ...]] = field(default_factory=list)
    _after: list[Callable[[], None]] = field(default_factory=list)

    def after_insert(self, step: Callable[[], None]) -> None:
        """Run `step` once the batch's rows are in (say, to recompute facts from them)."""
        self._after.append(step)

    def new_id(self, model: type[Model]) -> int:
        return self.ids.new_id(model)

    def insert(self, model: type[Model], columns: Sequence[str], row: tuple[Any, ...]) -> None:
        table = model._meta.db_table
        self.rows.setdefault(table, (columns, []))[1].append(row)

    def update(self, model: type[Model], pk: int, values: dict[str, Any]) -> None:
        """Change an existing row when the batch is written (it may be built elsewhere)."""
        self.updates.append((model, pk, values))

    def event(
        self,
        kind: str,
        at: int,
        subject_type: str,
        subject_id: int,
        payload: dict[str, Any],
        *,
        line: int,
        lead_id: int | None = None,
    ) -> None:
        """A ledger event marked as imported, naming the import and the line it came from."""
        body = plain_payload_text({**payload, "import": {"job": self.job_id, "line": line}})
        self.events.append((kind, at, self.actor_id, subject_type, subject_id, lead_id, body, True))

    def db_time(self, at: int) -> str:
        return self.times.db(at)

    @staticmethod
    def moment(at: int) -> datetime:
        return datetime.fromtimestamp(at, UTC)

    def built(self, last_line: int, counts: Any) -> Built:
        if self._after:
            raise RuntimeError("A batch with steps after its inserts is written where it is built.")
        return Built(last_line, counts, self.rows, self.updates, self.events)

    def write(self, recorded_at: datetime) -> None:
        write_rows(Built(0, None, self.rows, self.updates, self.events))
        for step in self._after:
            step()
        write_events(Built(0, None, {}, [], self.events), recorded_at, self.times)


def write_rows(built: Built) -> None:
    for model, pk, values in built.updates:
        model._default_manager.filter(pk=pk).update(**values)
    if built.staged:
        for table, (columns, _) in built.rows.items():
            insert_attached("staged", table, columns)
    else:
        for table, (columns, rows) in built.rows.items():
            insert_rows(table, columns, rows)


def write_events(built: Built, recorded_at: datetime, times: TimeText) -> None:
    """Chain the batch's events after the head. Events chained ahead (in another process) go
    in as they are unless the head moved meanwhile (someone else appended): then again. The
    facts of the batch's leads then follow them, as they follow every other ledger write."""
    if not (built.events or (built.chained and built.chained.after != built.chained.before)):
        return
    head = Head.objects.select_for_update().get_or_create(pk=1)[0]
    ahead = built.chained
    if ahead is not None and ahead.before == (head.seq, head.hash):
        write_batch(ahead, attached="staged" if built.staged else None)
        rows = _staged_events() if built.staged else ahead.rows
    else:
        chain = Chain(seq=head.seq, hash=head.hash, recorded_at=recorded_at, times=times)
        again = chain.batch(built.events or _unchained(built))
        write_batch(again)
        rows = again.rows
    apply_events((r[0], r[1], r[2], r[3], r[4], r[7], r[8], r[6]) for r in rows)


def _staged_events() -> Sequence[Sequence[Any]]:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT * FROM staged."{Event._meta.db_table}" ORDER BY seq')
        return cursor.fetchall()


def _unchained(built: Built) -> list[tuple[Any, ...]]:
    """The events of a batch chained ahead, as `Chain.batch` takes them."""
    rows = _staged_events() if built.staged else built.chained.rows if built.chained else []
    return [
        (kind, _epoch(at), actor, stype, sid, lead, payload, bool(imported))
        for _, kind, at, _, actor, stype, sid, lead, payload, imported, _, _ in rows
    ]


def _epoch(db_text: str) -> int:
    """Epoch seconds of a time `TimeText.db` wrote: whole seconds, UTC."""
    return epoch(datetime.fromisoformat(db_text[:19]).replace(tzinfo=UTC))
