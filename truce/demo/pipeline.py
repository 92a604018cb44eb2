"""Generation beside insertion: chunks of demo data built in a forked process (see
runtime/background.py) and staged in SQLite files while this process writes them."""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from truce.funnel.bulk import LEAD_COLUMNS, VISIT_COLUMNS
from truce.funnel.models import Lead, StageVisit
from truce.ledger.bulk import Chain, EventBatch, stage_tables
from truce.ledger.hashing import EVENT_COLUMNS
from truce.ledger.models import Event
from truce.people.bulk import COMPANY_COLUMNS, CONTACT_COLUMNS
from truce.people.models import Company, Contact
from truce.runtime.background import forks, in_background
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
    stage_tables(path, [*rows_of(chunk), (Event._meta.db_table, EVENT_COLUMNS, batch.rows)])
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


def produce_in_background(
    world: World, plan: Plan, chain: Chain, stage_dir: Path | None = None
) -> Iterator[Item]:
    staging = stage_dir if forks() else None  # a file to attach: not inside a transaction

    def items() -> Iterator[Item]:
        for n, item in enumerate(produce(world, plan, chain)):
            yield stage(item, staging / f"chunk-{n}.sqlite3") if staging else item

    return in_background(items, what="The demo data generator")
