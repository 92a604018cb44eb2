"""Running an import: read the whole file once to find every bad row (nothing is written),
then, unless that refuses the import, read it again and write it in batches.

- All or nothing (the default): one bad row and nothing is imported; the report lists every
  bad row with its line, column and reason, and the bad rows go to a CSV to fix.
- Skip bad rows: the good rows are imported, the bad ones handed back as that CSV.
- A dry run stops after counting what would be created, updated and left unchanged.
- Each batch is one transaction that also records the last line it wrote on the job, so a
  killed import leaves whole batches only, and running the same command again resumes after
  the last one (the job is found by the file's SHA-256, kind and mapping).
"""

import csv
import hashlib
import pickle
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from truce.errors import DomainError
from truce.identity.permissions import require
from truce.ledger import services as ledger
from truce.ledger.bulk import TimeText

from ..models import ImportJob, ImportMode, ImportStatus
from .coercion import CoercionError, coercer_for, detect_date_format, is_formula
from .fields import Field
from .kinds import WRITERS, Counts, References, Row, RowProblem, Writer
from .mapping import MappingError, Spec, resolve
from .reading import Source, SourceRow, open_source
from .writing import Batch

BATCH_ROWS = 5000
SQLITE_CACHE_KIB = 256 * 1024
SHOWN_BAD_ROWS = 100  # in the report; the bad-rows file has them all
DATE_SAMPLE = 1000
Progress = Callable[["Report"], None]


@dataclass
class BadRow:
    line: int
    column: str | None
    reason: str


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


# Coercion of a row


@dataclass
class Column:
    index: int
    name: str
    field: Field
    coerce: Callable[[str], Any]


def _formats(spec: Spec, source: Source, columns: dict[str, Field]) -> dict[str, str]:
    """The date format of every date column: as the mapping says, or detected from a sample.
    A sample that fits several formats (03-04-2018) is refused: the mapping must say which."""
    formats = dict(spec.formats)
    undecided = {
        name: source.header.index(name)
        for name, f in columns.items()
        if f.type in ("date", "datetime") and name not in formats
    }
    if not undecided:
        return formats
    samples: dict[str, list[str]] = {name: [] for name in undecided}
    for count, row in enumerate(source.rows()):
        if count >= DATE_SAMPLE * 5:
            break
        for name, index in undecided.items():
            if index < len(row.cells) and row.cells[index].strip():
                samples[name].append(row.cells[index])
    for name in undecided:
        guess = detect_date_format(samples[name][:DATE_SAMPLE])
        if guess.format:
            formats[name] = guess.format
        elif guess.ambiguous:
            options = " or ".join(guess.candidates)
            raise MappingError(
                f"Column {name!r} has dates that read as {options}; say which in the "
                f'mapping: "formats": {{"{name}": "{guess.candidates[0]}"}}.',
                field=f"mapping.formats.{name}",
            )
    return formats


def _columns(spec: Spec, source: Source) -> tuple[list[Column], dict[str, str]]:
    mapped = resolve(spec, source.header)
    formats = _formats(spec, source, mapped)
    zone = spec.timezone or settings.TIME_ZONE
    columns = []
    for name, target in mapped.items():
        options: dict[str, Any] = {"time_zone": zone}
        if target.max_length:
            options["max_length"] = target.max_length
        if spec.options.get("decimal_separator"):
            options["decimal_separator"] = spec.options["decimal_separator"]
        kind = target.type
        fmt = formats.get(name)
        if kind in ("date", "datetime"):
            options["format"] = fmt or "YYYY-MM-DD"
        elif fmt == "multi" and target.name.startswith("facts."):
            kind = "multi"
        elif fmt:
            raise MappingError(
                f"Column {name!r} is {target.type}; a format applies to dates (and 'multi' to "
                "facts).",
                field=f"mapping.formats.{name}",
            )
        try:
            coerce = coercer_for(kind, options)
        except ValueError as exc:
            raise MappingError(str(exc), field=f"mapping.formats.{name}") from None
        columns.append(Column(source.header.index(name), name, target, coerce))
    return columns, formats


def _constants(spec: Spec) -> dict[str, Any]:
    """Constants are cells like any other: coerced by their field's type once."""
    from .fields import field_for

    values: dict[str, Any] = {}
    for name, text in spec.constants.items():
        target = field_for(spec.kind, name)
        assert target is not None  # resolve() checked
        options: dict[str, Any] = {"time_zone": spec.timezone or settings.TIME_ZONE}
        if target.type in ("date", "datetime"):
            options["format"] = spec.formats.get(name, "YYYY-MM-DD")
        try:
            values[name] = coercer_for(target.type, options)(text)
        except CoercionError as exc:
            raise MappingError(exc.reason, field=f"mapping.constants.{name}") from None
    return values


def _row_values(
    row: SourceRow, columns: list[Column], constants: dict[str, Any], writer: Writer
) -> tuple[dict[str, Any] | None, BadRow | None, list[str]]:
    if row.problem:
        return None, BadRow(row.line, row.column, row.problem), []
    values = dict(constants)
    warnings = []
    cells = row.cells
    for column in columns:
        text = cells[column.index]
        if column.field.type == "text" and is_formula(text):
            warnings.append(
                f"line {row.line}, column {column.name!r}: {text[:40]!r} looks like a "
                "spreadsheet formula; imported as text (exports neutralise it)"
            )
        try:
            value = column.coerce(text)
        except CoercionError as exc:
            return None, BadRow(row.line, column.name, exc.reason), warnings
        if value is not None and value != []:
            values[column.field.name] = value
    try:
        return writer.check(values), None, warnings
    except RowProblem as problem:
        name = next((c.name for c in columns if c.field.name == problem.field), problem.field)
        return None, BadRow(row.line, name, problem.reason), warnings


# The two passes


@dataclass
class Plan:
    """What the first pass learnt: every bad line, the counts, and the good rows' values,
    spooled to a temporary file (pickled a chunk at a time) so the second pass neither keeps
    them in memory nor parses the file again."""

    rows: int = 0
    bad: dict[int, BadRow] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    # Closed (and so deleted) by run_import, or by the collector if an error escapes.
    spool: IO[bytes] = field(
        default_factory=lambda: tempfile.TemporaryFile(dir=_scratch())  # noqa: SIM115
    )


def _scratch() -> Path:
    folder = Path(settings.DATA_DIR) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _check_all(
    source: Source, columns: list[Column], constants: dict[str, Any], writer: Writer
) -> Plan:
    plan = Plan()
    seen: dict[str, int] = {}
    pending: list[Row] = []  # good so far; checked against the database a chunk at a time
    for row in source.rows():
        plan.rows += 1
        values, bad, warnings = _row_values(row, columns, constants, writer)
        if len(plan.warnings) < SHOWN_BAD_ROWS:
            plan.warnings += warnings
        if bad is None and values is not None:
            key = writer.key(values)
            if key is not None:
                first = seen.setdefault(key, row.line)
                if first != row.line:
                    bad = BadRow(row.line, None, f"Same {key} as line {first}.")
        if bad is not None:
            plan.bad[row.line] = bad
        elif values is not None:
            pending.append((row.line, values))
            if len(pending) >= BATCH_ROWS:
                _check_against_database(writer, pending, columns, plan)
    _check_against_database(writer, pending, columns, plan)
    return plan


def _check_against_database(
    writer: Writer, rows: list[Row], columns: list[Column], plan: Plan
) -> None:
    if not rows:
        return
    for line, problem in writer.check_many(rows).items():
        name = next((c.name for c in columns if c.field.name == problem.field), problem.field)
        if not problem.warning:
            plan.bad[line] = BadRow(line, name, problem.reason)
        elif len(plan.warnings) < SHOWN_BAD_ROWS:
            plan.warnings.append(f"line {line}, column {name!r}: {problem.reason}")
    pickle.dump([row for row in rows if row[0] not in plan.bad], plan.spool, protocol=5)
    rows.clear()


def _good_rows(plan: Plan, after: int) -> Iterator[Row]:
    """The first pass's good rows after line `after` (resuming), from the spool."""
    plan.spool.seek(0)
    while True:
        try:
            chunk: list[Row] = pickle.load(plan.spool)
        except EOFError:
            return
        yield from (row for row in chunk if row[0] > after)


def _batches(rows: Iterator[Row], size: int) -> Iterator[list[Row]]:
    batch: list[Row] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _bad_rows_file(
    path: Path, reading: "Reading", source_header: list[str], job: ImportJob, plan: Plan
) -> str:
    """The bad rows as they were, with a first column saying why, to fix and import again."""
    if not plan.bad:
        return ""
    folder = Path(settings.DATA_DIR) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"import-{job.pk}-bad-rows.csv"
    with reading.open(path) as source, out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["error", *source_header])
        for row in source.rows():
            bad = plan.bad.get(row.line)
            if bad is not None:
                where = f"line {bad.line}" + (f", column {bad.column}" if bad.column else "")
                writer.writerow([f"{where}: {bad.reason}", *row.cells])
    return str(out)


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


@dataclass(frozen=True)
class Reading:
    """How to read a file: what open_source takes besides the path."""

    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None

    def open(self, path: Path) -> Source:
        return open_source(path, encoding=self.encoding, delimiter=self.delimiter, sheet=self.sheet)


def check_file(*, kind: str, path: Path, spec: Spec, reading: Reading) -> dict[str, str]:
    """Refuse now, with the reason, a file that cannot be read or a mapping that does not fit
    its header (including dates whose format must be chosen); return {column: field}."""
    with reading.open(Path(path)) as source:
        columns, _ = _columns(spec, source)
    _constants(spec)
    return {c.name: c.field.name for c in columns}


def queue_import(
    *,
    kind: str,
    path: Path,
    spec: Spec,
    actor: Any,
    dry_run: bool = False,
    skip_bad_rows: bool = False,
    reading: Reading = Reading(),
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
    reading: Reading = Reading(),
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
        columns, formats = _columns(spec, source)
    constants = _constants(spec)
    refs = References.load(
        create_campaigns=spec.creates("campaign"), create_owners=spec.creates("owner")
    )
    writer = WRITERS[kind](refs)
    with opened() as source:
        plan = _check_all(source, columns, constants, writer)
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
    report.bad_rows_file = _bad_rows_file(path, reading, header, job, plan)
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
    times = TimeText()
    _tune_sqlite()
    with plan.spool:
        for chunk in _batches(_good_rows(plan, job.last_line), batch_rows):
            counts = _apply(job, writer, chunk, times, actor, dry_run=dry_run)
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
        batch = Batch(actor_id=None, job_id=job.pk, times=times, size=len(rows))
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
                      size=len(rows))  # fmt: skip
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
