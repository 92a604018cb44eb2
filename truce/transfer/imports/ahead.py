"""Batches built ahead: while this process writes one batch, a forked one matches the next
batch's rows against the database, builds its rows and events, chains and (on SQLite) stages
them in a file of their own. Writing is then mostly the database copying rows.

Only writers whose `apply` reads the database without writing it take this path (see
`Writer.pipelined`); what a batch changes travels with it. Ids come from the database's
sequence on PostgreSQL; on SQLite a range is set aside before the first batch, since the
builder cannot take SQLite's write lock while the writer holds it.
"""

import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from django.db import connection
from django.utils import timezone

from truce.funnel.models import Lead, StageVisit
from truce.ledger.bulk import Chain, EventBatch, TimeText, head, stage_tables
from truce.ledger.hashing import EVENT_COLUMNS
from truce.ledger.models import Event
from truce.people.models import Company, Contact
from truce.runtime.background import forks, in_background
from truce.touches.models import Campaign

from .kinds import Row, Writer
from .writing import Batch, BlockIds, Built, CountingIds, set_aside_ids

MADE = (Company, Contact, Lead, StageVisit)  # at most one of each per row


def built_ahead(
    writer: Writer, chunks: Iterable[list[Row]], *, rows: int, actor_id: int | None, job_id: int
) -> Iterator[Built]:
    """The batches of `chunks`, each built (and chained after the one before) in a second
    process while this one writes the previous ones."""
    times = TimeText()
    ids = _set_aside(writer, rows) if connection.vendor == "sqlite" else None
    staged = ids is not None and forks()  # a file to attach: not inside a caller's transaction
    staging = Path(tempfile.mkdtemp(prefix="truce-import-")) if staged else None
    at = head()

    def produce() -> Iterator[Built]:
        chain_head = at
        for n, chunk in enumerate(chunks):
            batch = Batch(actor_id, job_id, times, ids or BlockIds(len(chunk)))
            counts = writer.apply(chunk, batch, int(timezone.now().timestamp()), dry_run=False)
            built = batch.built(chunk[-1][0], counts)
            built.chained = _chain(built, chain_head, times)
            built.events = []  # they travel chained; written again from there if need be
            chain_head = built.chained.after
            yield _staged(built, staging / f"batch-{n}.sqlite3") if staging else built

    try:
        yield from in_background(produce, what="The import's batch builder")
    finally:
        if staging:
            shutil.rmtree(staging, ignore_errors=True)


def _set_aside(writer: Writer, rows: int) -> CountingIds:
    starts = set_aside_ids(MADE, rows)
    starts.update(set_aside_ids([Campaign], len(writer.refs.missing_campaigns)))
    return CountingIds(starts)


def _chain(built: Built, at: tuple[int, str], times: TimeText) -> EventBatch:
    chain = Chain(seq=at[0], hash=at[1], recorded_at=timezone.now(), times=times)
    return chain.batch(built.events)


def _staged(built: Built, path: Path) -> Built:
    """The batch's rows and chained events moved into a SQLite file."""
    assert built.chained is not None
    tables: list[Any] = [(t, columns, rows) for t, (columns, rows) in built.rows.items()]
    stage_tables(path, [*tables, (Event._meta.db_table, EVENT_COLUMNS, built.chained.rows)])
    built.rows = {t: (columns, []) for t, (columns, _) in built.rows.items()}
    built.chained = EventBatch(rows=[], before=built.chained.before, after=built.chained.after)
    built.staged = path
    return built
