"""Running an import: read the whole file once to find every bad row (nothing is written; see
checking.py), then, unless that refuses the import, write the good rows in batches.

- All or nothing (the default): one bad row and nothing is imported; the report lists every
  bad row with its line, column and reason, and the bad rows go to a CSV to fix.
- Skip bad rows: the good rows are imported, the bad ones handed back as that CSV.
- A dry run stops after counting what would be created, updated and left unchanged.
- Each batch is one transaction that also records the last line it wrote on the job, so a
  killed import leaves whole batches only, and running the same command again resumes after
  the last one (the job is found by the file's SHA-256, kind and mapping).
"""

import hashlib
import time
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from truce.errors import DomainError
from truce.identity.permissions import require
from truce.ledger import services as ledger
from truce.ledger.bulk import TimeText, attached

from ..models import ImportJob, ImportMode, ImportStatus
from .ahead import built_ahead
from .checking import (
    AS_DETECTED,
    BATCH_ROWS,
    SHOWN_BAD_ROWS,
    BadRow,
    Plan,
    Reading,
    batches,
    check_all,
    columns_for,
    constants_for,
    good_rows,
    write_bad_rows,
)
from .kinds import WRITERS, Counts, References, Row, Writer
from .mapping import Spec
from .reading import Source
from .writing import Batch, BlockIds, Built, write_events, write_rows

SQLITE_CACHE_KIB = 256 * 1024
Progress = Callable[["Report"], None]


@dataclass
class Report:
    job_id: int
    kind: str
    status: str
    rows: int = 0
    done: int = 0  # rows written (or, in a dry run, counted) so far
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    bad_count: int = 0
    bad_rows: list[BadRow] = field(default_factory=list)
    bad_rows_file: str = ""
    warnings: list[str] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # column -> field, as used
    ignored: list[str] = field(default_factory=list)  # columns not imported
    resumed_after: int = 0
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.done / self.seconds if self.seconds else 0.0

    def eta(self) -> float | None:
        if not self.rate or self.rows <= self.done:
            return None
        return (self.rows - self.done) / self.rate


def _sha256(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _new_job(
    *, kind: str, path: Path, spec: Spec, mode: str, actor: Any, dry_run: bool, status: str
) -> ImportJob:
    digest, size = _sha256(path)
    return ImportJob.objects.create(
        kind=kind,
        source_name=path.name[:255],
        source_sha256=digest,
        source_size=size,
        spec={"mapping": spec.as_json()},
        mode=mode,
        dry_run=dry_run,
        status=status,
        created_by=actor if getattr(actor, "pk", None) else None,
        started_at=timezone.now(),
    )


def _job_for(
    *, kind: str, path: Path, spec: Spec, mode: str, actor: Any, dry_run: bool
) -> tuple[ImportJob, bool]:
    """A new job, or the unfinished one for the same file, kind, mapping and mode."""
    if not dry_run:
        digest, _ = _sha256(path)
        unfinished = (
            ImportJob.objects.filter(
                source_sha256=digest,
                kind=kind,
                status=ImportStatus.RUNNING,
                mode=mode,
                dry_run=False,
            )
            .order_by("-pk")
            .first()
        )
        if unfinished is not None and unfinished.spec.get("mapping") == spec.as_json():
            return unfinished, True
    job = _new_job(
        kind=kind,
        path=path,
        spec=spec,
        mode=mode,
        actor=actor,
        dry_run=dry_run,
        status=ImportStatus.RUNNING,
    )
    return job, False


def check_file(*, kind: str, path: Path, spec: Spec, reading: Reading) -> dict[str, str]:
    """Refuse now, with the reason, a file that cannot be read or a mapping that does not fit
    its header (including dates whose format must be chosen); return {column: field}."""
    with reading.open(Path(path)) as source:
        columns, _ = columns_for(spec, source)
    constants_for(spec)
    return {c.name: c.field.name for c in columns}


def queue_import(
    *,
    kind: str,
    path: Path,
    spec: Spec,
    actor: Any,
    dry_run: bool = False,
    skip_bad_rows: bool = False,
    reading: Reading = AS_DETECTED,
) -> ImportJob:
    """Check the file and mapping now, then leave the import to a background worker (pages
    and the API use this). The file must stay at `path` until the job is done."""
    require(actor, "import_records")
    check_file(kind=kind, path=path, spec=spec, reading=reading)
    mode = ImportMode.SKIP_BAD_ROWS if skip_bad_rows else ImportMode.ALL_OR_NOTHING
    with transaction.atomic():
        job = _new_job(
            kind=kind,
            path=Path(path),
            spec=spec,
            mode=mode,
            actor=actor,
            dry_run=dry_run,
            status=ImportStatus.QUEUED,
        )
        job.source_path = str(path)
        job.source_options = {k: v for k, v in vars(reading).items() if v}
        job.save(update_fields=["source_path", "source_options"])
        from ..tasks import run_import_job

        transaction.on_commit(lambda: run_import_job.enqueue(job_id=job.pk))
    return job


def run_queued(*, job_id: int) -> Report | None:
    """The worker's side of `queue_import`. Claims the job (so a duplicated task does nothing),
    runs it, and records a failure's reason on the job rather than losing it."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING
    )
    if not claimed:
        return None
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    from .mapping import parse_spec

    try:
        return run_import(
            kind=job.kind,
            path=Path(job.source_path),
            spec=parse_spec(job.spec["mapping"], kind=job.kind),
            actor=job.created_by,
            dry_run=job.dry_run,
            skip_bad_rows=job.mode == ImportMode.SKIP_BAD_ROWS,
            reading=Reading(**job.source_options),
            job=job,
        )
    except DomainError as exc:
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportStatus.FAILED, message=exc.message, finished_at=timezone.now()
        )
        return None


def run_import(
    *,
    kind: str,
    path: Path,
    spec: Spec,
    actor: Any,
    dry_run: bool = False,
    skip_bad_rows: bool = False,
    reading: Reading = AS_DETECTED,
    batch_rows: int = BATCH_ROWS,
    progress: Progress | None = None,
    job: ImportJob | None = None,
) -> Report:
    """Import one file. Raises MappingError or SourceError (nothing written) when the file or
    the mapping cannot be used at all; bad rows are reported, not raised. `job`: a queued
    job to run (see `run_queued`); otherwise one is made, or an unfinished one resumed."""
    require(actor, "import_records")
    began = time.monotonic()
    path = Path(path)

    def opened() -> Source:
        return reading.open(path)

    with opened() as source:
        header = source.header
        columns, formats = columns_for(spec, source)
    constants = constants_for(spec)
    refs = References.load(
        create_campaigns=spec.creates("campaign"), create_owners=spec.creates("owner")
    )
    writer = WRITERS[kind](refs)
    with opened() as source:
        plan = check_all(source, columns, constants, writer)
    mode = ImportMode.SKIP_BAD_ROWS if skip_bad_rows else ImportMode.ALL_OR_NOTHING
    if job is None:
        job, resumed = _job_for(
            kind=kind, path=path, spec=spec, mode=mode, actor=actor, dry_run=dry_run
        )
    else:
        resumed = job.last_line > 0
    report = Report(
        job_id=job.pk,
        kind=kind,
        status=job.status,
        rows=plan.rows,
        bad_count=len(plan.bad),
        bad_rows=sorted(plan.bad.values(), key=lambda b: b.line)[:SHOWN_BAD_ROWS],
        warnings=plan.warnings,
        columns={c.name: c.field.name for c in columns},
        ignored=[h for h in header if h not in {c.name for c in columns}],
        resumed_after=job.last_line if resumed else 0,
    )
    if resumed:
        report.created, report.updated, report.unchanged = job.created, job.updated, job.unchanged
    report.bad_rows_file = write_bad_rows(path, reading, header, job, plan)
    refused = bool(plan.bad) and not skip_bad_rows
    job.rows_total, job.bad, job.bad_rows_file = plan.rows, len(plan.bad), report.bad_rows_file
    job.spec = {"mapping": spec.as_json(), "formats": formats}
    if refused and not dry_run:
        plan.spool.close()
        job.status = report.status = ImportStatus.REFUSED
        job.finished_at = timezone.now()
        job.save()
        report.seconds = time.monotonic() - began
        return report
    job.save()
    with plan.spool:
        for counts in _batches(job, writer, plan, actor, batch_rows, dry_run=dry_run):
            report.created += counts.created
            report.updated += counts.updated
            report.unchanged += counts.unchanged
            report.done = report.created + report.updated + report.unchanged
            report.seconds = time.monotonic() - began
            if progress:
                progress(report)
    if dry_run:
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.DRY_RUN, finished_at=timezone.now()
        )
    else:
        _finish(job, report, actor)
    report.status = ImportStatus.DRY_RUN if dry_run else ImportStatus.DONE
    report.seconds = time.monotonic() - began
    return report


def _batches(
    job: ImportJob, writer: Writer, plan: Plan, actor: Any, size: int, *, dry_run: bool
) -> Iterator[Counts]:
    """Each batch's counts once it is written (or, in a dry run, counted)."""
    chunks = batches(good_rows(plan, job.last_line), size)
    if writer.pipelined and not dry_run:
        ahead = built_ahead(writer, chunks, rows=plan.rows - len(plan.bad), job_id=job.pk,
                            actor_id=getattr(actor, "pk", None))  # fmt: skip
        times = TimeText()
        for built in ahead:
            yield _write_built(job, built, times)
        return
    times = TimeText()
    _tune_sqlite()
    for chunk in chunks:
        yield _apply(job, writer, chunk, times, actor, dry_run=dry_run)


def _write_built(job: ImportJob, built: Built, times: TimeText) -> Counts:
    counts = built.counts
    _tune_sqlite()  # again for each batch: the connection was reopened after the fork
    with attached(built.staged) if built.staged else nullcontext(), transaction.atomic():
        ImportJob.objects.filter(pk=job.pk).update(
            last_line=built.last_line,
            created=job.created + counts.created,
            updated=job.updated + counts.updated,
            unchanged=job.unchanged + counts.unchanged,
        )
        write_rows(built)
        write_events(built, timezone.now(), times)
    job.created += counts.created
    job.updated += counts.updated
    job.unchanged += counts.unchanged
    return counts


def _tune_sqlite() -> None:
    """A larger page cache while writing batches: each lead touches a dozen indexes."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")


def _apply(
    job: ImportJob, writer: Writer, rows: list[Row], times: TimeText, actor: Any, *, dry_run: bool
) -> Counts:
    now = int(timezone.now().timestamp())
    if dry_run:
        batch = Batch(actor_id=None, job_id=job.pk, times=times, ids=BlockIds(len(rows)))
        counts = writer.apply(rows, batch, now, dry_run=True)
        job.created += counts.created
        job.updated += counts.updated
        job.unchanged += counts.unchanged
        ImportJob.objects.filter(pk=job.pk).update(  # progress for pages that poll the job
            created=job.created, updated=job.updated, unchanged=job.unchanged
        )
        return counts
    with transaction.atomic():
        # Writing the job row first takes SQLite's write lock, so ids reserved below stay free.
        ImportJob.objects.filter(pk=job.pk).update(last_line=rows[-1][0])
        batch = Batch(actor_id=getattr(actor, "pk", None), job_id=job.pk, times=times,
                      ids=BlockIds(len(rows)))  # fmt: skip
        counts = writer.apply(rows, batch, now, dry_run=False)
        batch.write(recorded_at=timezone.now())
        ImportJob.objects.filter(pk=job.pk).update(
            created=job.created + counts.created,
            updated=job.updated + counts.updated,
            unchanged=job.unchanged + counts.unchanged,
        )
    job.created += counts.created
    job.updated += counts.updated
    job.unchanged += counts.unchanged
    return counts


def _finish(job: ImportJob, report: Report, actor: Any) -> None:
    with transaction.atomic():
        job.status = ImportStatus.DONE
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "finished_at"])
        ledger.append(
            kind="import.finished",
            subject_type="import",
            subject_id=job.pk,
            actor=actor,
            payload={
                "kind": job.kind,
                "file": job.source_name,
                "sha256": job.source_sha256,
                "rows": job.rows_total,
                "created": job.created,
                "updated": job.updated,
                "unchanged": job.unchanged,
                "bad": job.bad,
            },
        )
