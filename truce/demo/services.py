"""Seeding a demo organisation: set-based inserts in chunks, each chunk one transaction.

Every chunk commits its rows together with their ledger events and the moved chain head, so
the database is consistent (and `truce ledger verify` passes) after any chunk, even if a run
is interrupted.
"""

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max, Model
from django.utils import timezone

from truce.errors import Conflict
from truce.funnel.models import Lead, Reason, Stage, StageVisit
from truce.insights.facts.services import rebuild_facts
from truce.insights.models import LeadFacts, StageFacts
from truce.ledger.bulk import (
    EventBatch,
    TimeText,
    attached,
    insert_attached,
    insert_rows,
    start_chain,
    write_batch,
)
from truce.ledger.models import Event
from truce.people.models import Company, Contact
from truce.touches.models import Campaign, Touch

from .generator import Chunk, Ids, World
from .org import build_org
from .pipeline import TABLES, Plan, produce_in_background, rows_of
from .pools import build_pools

WINDOW_DAYS = 182
Progress = Callable[[int, int, int, float], None]  # leads done, total, rows so far, seconds


@dataclass
class SeedReport:
    leads: int
    rows: int
    seconds: float
    credentials: list[tuple[str, str, str]] = field(default_factory=list)


def window(until: date | None = None) -> tuple[int, int]:
    """The last six months up to the start of `until` (today, UTC): whole seconds."""
    end_day = until or timezone.now().astimezone(UTC).date()
    end = int(datetime(end_day.year, end_day.month, end_day.day, tzinfo=UTC).timestamp())
    return end - WINDOW_DAYS * 86400, end


def _next_ids() -> Ids:
    def after(model: type[Model]) -> int:
        return (model._default_manager.aggregate(m=Max("pk"))["m"] or 0) + 1

    return Ids(
        lead=after(Lead),
        contact=after(Contact),
        company=after(Company),
        visit=after(StageVisit),
        touch=after(Touch),
    )


def _write(rows: Chunk | Path, batch: EventBatch) -> int:
    _tune_sqlite()  # again for each chunk: the connection is reopened after the fork
    if isinstance(rows, Path):
        return _write_staged(rows, batch)
    with transaction.atomic():
        for table, columns, values in rows_of(rows):
            insert_rows(table, columns, values)
        write_batch(batch)
    return rows.size() + len(batch.rows)


def _write_staged(path: Path, batch: EventBatch) -> int:
    with attached(path) as schema, transaction.atomic():
        count = 0
        for table, columns, _ in TABLES:
            insert_attached(schema, table, columns)
            count += _count(schema, table)
        return count + write_batch(batch, attached=schema)


def _count(schema: str, table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT COUNT(*) FROM "{schema}"."{table}"')
        return int(cursor.fetchone()[0])


def _tune_sqlite() -> None:
    # Bulk loading only: a crash loses at most the chunk in flight, which never committed.
    if connection.vendor == "sqlite" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute("PRAGMA cache_size=-1000000")  # 1 GB: the hash index is random
            cursor.execute("PRAGMA temp_store=MEMORY")
            # The generator keeps every reference consistent (the tests check it with
            # foreign_key_check); checking each row's parents costs a sixth of the time.
            cursor.execute("PRAGMA foreign_keys=OFF")


def _analyze() -> None:
    """Fresh statistics, or the planner treats a million-row table as empty after a bulk load.
    On PostgreSQL a VACUUM too (outside a transaction only): it marks the new pages
    all-visible, without which no query can answer from an index alone (autovacuum would, some
    time later)."""
    models = (Company, Contact, Lead, StageVisit, Touch, Event, LeadFacts, StageFacts)
    tables = [m._meta.db_table for m in models]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            vacuum = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
            cursor.execute(f"{vacuum} " + ", ".join(f'"{t}"' for t in tables))
        elif connection.vendor == "sqlite":
            cursor.execute("PRAGMA analysis_limit=1000")  # sampled: seconds, not minutes
            for table in tables:
                cursor.execute(f'ANALYZE "{table}"')


def _reset_sequences() -> None:
    models = [Company, Contact, Lead, StageVisit, Touch, Campaign]
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('ledger_event', 'id'), "
                "COALESCE(MAX(id), 1)) FROM ledger_event"
            )


def _world(seed: int, total: int, until: date | None, times: TimeText) -> tuple[World, int]:
    start, end = window(until)
    org = build_org(seed=seed, start=start, end=end, times=times)
    world = World(
        seed=seed,
        total=total,
        start=start,
        end=end,
        org=org,
        pools=build_pools(seed),
        stages=dict(Stage.objects.values_list("key", "pk")),
        reasons={(r.kind, r.key): r.pk for r in Reason.objects.all()},
        times=times,
    )
    return world, len(org.events)


def seed_demo(
    *,
    leads: int,
    seed: int = 42,
    append: bool = False,
    until: date | None = None,
    progress: Progress | None = None,
) -> SeedReport:
    """Create the demo organisation (if missing) and `leads` lead journeys with their history."""
    if not append and Lead.objects.exists():
        raise Conflict(
            "The database already has leads; seeding adds to them only with --append.",
            field="leads",
        )
    began, recorded_at, times = time.monotonic(), timezone.now(), TimeText()
    with transaction.atomic():
        world, rows = _world(seed, max(leads, 1), until, times)
        chain = start_chain(recorded_at=recorded_at, times=times)
        write_batch(chain.batch(world.org.events))
    plan = Plan(
        ids=_next_ids(),
        companies=max(20, leads // 8) if leads else 0,
        leads=leads,
        taken={d for d in Company.objects.values_list("domain", flat=True) if d},
    )
    with tempfile.TemporaryDirectory(prefix="truce-seed-") as scratch:
        staging = Path(scratch) if connection.vendor == "sqlite" else None
        for chunk, batch, done in produce_in_background(world, plan, chain, staging):
            rows += _write(chunk, batch)
            if progress and done:
                progress(done, leads, rows, time.monotonic() - began)
    _reset_sequences()
    rebuild_facts()  # the bulk writer tells no listener: facts are built set-wise, once
    _analyze()
    return SeedReport(
        leads=leads,
        rows=rows,
        seconds=time.monotonic() - began,
        credentials=world.org.credentials(),
    )
