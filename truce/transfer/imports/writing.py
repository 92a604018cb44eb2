"""Writing one batch set-wise: ids reserved up front, rows inserted raw (COPY on PostgreSQL,
executemany on SQLite), changed records updated in bulk, and every change's ledger event
chained in one go — all inside the batch's transaction, so a batch is all there or not at all.
"""

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.db import connection
from django.db.models import Max, Model

from truce.ledger.bulk import Chain, TimeText, insert_rows, plain_payload_text, write_batch
from truce.ledger.models import Head


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


@dataclass
class Batch:
    """What one batch writes: raw rows per table, ledger events, and its counts."""

    actor_id: int | None
    job_id: int
    times: TimeText
    size: int  # rows in the batch: no model needs more new ids than that
    rows: dict[str, tuple[Sequence[str], list[tuple[Any, ...]]]] = field(default_factory=dict)
    events: list[tuple[Any, ...]] = field(default_factory=list)
    _ids: dict[type[Model], list[int]] = field(default_factory=dict)
    _after: list[Callable[[], None]] = field(default_factory=list)

    def after_insert(self, step: Callable[[], None]) -> None:
        """Run `step` once the batch's rows are in (say, to recompute facts from them)."""
        self._after.append(step)

    def new_id(self, model: type[Model]) -> int:
        """A fresh id: the batch reserves one block per table the first time it needs one
        (unused ids of the block are skipped, like any sequence's)."""
        free = self._ids.get(model)
        if free is None:
            free = self._ids[model] = reserve_ids(model, self.size)[::-1]
        return free.pop()

    def insert(self, model: type[Model], columns: Sequence[str], row: tuple[Any, ...]) -> None:
        table = model._meta.db_table
        self.rows.setdefault(table, (columns, []))[1].append(row)

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

    def write(self, recorded_at: datetime) -> None:
        for table, (columns, rows) in self.rows.items():
            insert_rows(table, columns, rows)
        for step in self._after:
            step()
        if self.events:
            head = Head.objects.select_for_update().get_or_create(pk=1)[0]
            chain = Chain(seq=head.seq, hash=head.hash, recorded_at=recorded_at, times=self.times)
            write_batch(chain.batch(self.events))
