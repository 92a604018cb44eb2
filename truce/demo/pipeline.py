"""Generation beside insertion: a forked process builds chunks while this one writes them.

Generating and hashing is Python work; inserting is mostly the database's. On a two-core
machine running them side by side nearly halves the time. Where `fork` is unavailable, or
inside a caller's transaction, the chunks are produced in process, with the same result.
"""

import multiprocessing
import queue
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connection

from truce.funnel.bulk import LEAD_COLUMNS, VISIT_COLUMNS
from truce.funnel.models import Lead, StageVisit
from truce.ledger.bulk import Chain, EventBatch
from truce.ledger.hashing import EVENT_COLUMNS
from truce.ledger.models import Event
from truce.people.bulk import COMPANY_COLUMNS, CONTACT_COLUMNS
from truce.people.models import Company, Contact
from truce.touches.bulk import TOUCH_COLUMNS
from truce.touches.models import Touch

from .generator import (
    CHUNK,
    Chunk,
    Ids,
    World,
    companies_chunk,
    leads_chunk,
)

# rows, chained events, leads done (0 for companies); with staging, rows is the staged file.
Item = tuple[Chunk | Path, EventBatch, int]
_DONE = "done"
TABLES: list[tuple[str, tuple[str, ...], str]] = [
    (Company._meta.db_table, COMPANY_COLUMNS, "companies"),
    (Contact._meta.db_table, CONTACT_COLUMNS, "contacts"),
    (Lead._meta.db_table, LEAD_COLUMNS, "leads"),
    (StageVisit._meta.db_table, VISIT_COLUMNS, "visits"),
    (Touch._meta.db_table, TOUCH_COLUMNS, "touches"),
]


def rows_of(chunk: Chunk) -> Iterator[tuple[str, tuple[str, ...], list[tuple[Any, ...]]]]:
    for table, columns, attr in TABLES:
        yield table, columns, getattr(chunk, attr)


def stage(item: Item, path: Path) -> Item:
    """Write a chunk into its own SQLite file, which the writer attaches and copies from."""
    chunk, batch, done = item
    assert isinstance(chunk, Chunk)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("BEGIN")
    tables = [*rows_of(chunk), (Event._meta.db_table, EVENT_COLUMNS, batch.rows)]
    for table, columns, rows in tables:
        names = ", ".join(f'"{c}"' for c in columns)
        db.execute(f'CREATE TABLE "{table}" ({names})')
        marks = ", ".join("?" * len(columns))
        db.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)
    db.execute("COMMIT")
    db.close()
    return path, EventBatch(rows=[], before=batch.before, after=batch.after), done


@dataclass
class Plan:
    ids: Ids
    companies: int
    leads: int
    taken: set[str]


def produce(world: World, plan: Plan, chain: Chain) -> Iterator[Item]:
    """Companies first (leads pick from them), then leads, a chunk at a time, chained in order."""
    for offset in range(0, plan.companies, CHUNK):
        count = min(CHUNK, plan.companies - offset)
        yield _chained(companies_chunk(world, plan.ids, count, plan.taken), chain, 0)
    for chunk_no, offset in enumerate(range(0, plan.leads, CHUNK)):
        count = min(CHUNK, plan.leads - offset)
        yield _chained(leads_chunk(world, plan.ids, chunk_no, count), chain, offset + count)


def _chained(chunk: Chunk, chain: Chain, done: int) -> Item:
    batch = chain.batch(chunk.events)
    chunk.events = []
    return chunk, batch, done


def _child(
    world: World,
    plan: Plan,
    chain: Chain,
    out: "multiprocessing.Queue[object]",
    stage_dir: Path | None,
) -> None:
    try:
        for n, item in enumerate(produce(world, plan, chain)):
            out.put(stage(item, stage_dir / f"chunk-{n}.sqlite3") if stage_dir else item)
        out.put(_DONE)
    except BaseException as exc:  # hand the failure to the parent, which raises it
        out.put(exc)


def produce_in_background(
    world: World, plan: Plan, chain: Chain, stage_dir: Path | None = None
) -> Iterator[Item]:
    if connection.in_atomic_block or "fork" not in multiprocessing.get_all_start_methods():
        # Inside a caller's transaction (tests) the connection must stay open: no fork.
        yield from produce(world, plan, chain)
        return
    context = multiprocessing.get_context("fork")
    out: multiprocessing.Queue[object] = context.Queue(maxsize=3)
    connection.close()  # a database connection must never cross a fork
    child = context.Process(target=_child, args=(world, plan, chain, out, stage_dir), daemon=True)
    child.start()
    try:
        while True:
            try:
                item = out.get(timeout=1)
            except queue.Empty:
                if not child.is_alive():
                    raise RuntimeError("The demo data generator stopped unexpectedly.") from None
                continue
            if item == _DONE:
                break
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        if child.is_alive():
            child.terminate()
        child.join()
