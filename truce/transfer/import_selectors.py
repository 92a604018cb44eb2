"""Reads for the import pages and API: jobs and saved mappings, for the roles that import."""

import csv
import datetime
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from truce.errors import NotFound
from truce.identity.permissions import require

from .models import ImportJob, ImportMapping, ImportStatus

FINISHED = frozenset(
    {ImportStatus.DONE, ImportStatus.DRY_RUN, ImportStatus.REFUSED, ImportStatus.FAILED}
)
SHOWN_BAD_ROWS = 100
_WHERE = re.compile(r"line (\d+)(, column )?")


def jobs_visible_to(*, user: Any) -> QuerySet[ImportJob]:
    """Imports write many records at once: only the roles that may import see them."""
    require(user, "import_records")
    return ImportJob.objects.select_related("created_by").order_by("-pk")


def get_job(*, user: Any, job_id: int) -> ImportJob:
    job = jobs_visible_to(user=user).filter(pk=job_id).first()
    if job is None:
        raise NotFound(f"No import with id {job_id}.", field="job_id")
    return job


def mappings_visible_to(*, user: Any, kind: str | None = None) -> QuerySet[ImportMapping]:
    require(user, "import_records")
    qs = ImportMapping.objects.select_related("created_by").order_by("name")
    return qs.filter(kind=kind) if kind else qs


def get_mapping(*, user: Any, mapping_id: int, field: str = "mapping_id") -> ImportMapping:
    mapping = mappings_visible_to(user=user).filter(pk=mapping_id).first()
    if mapping is None:
        raise NotFound(f"No saved mapping with id {mapping_id}.", field=field)
    return mapping


@dataclass
class Progress:
    done: int  # rows written (or counted, in a dry run)
    total: int  # rows to write: the file's rows less the bad ones
    rate: float  # rows per second since the job started
    eta: float | None  # seconds left, while running
    finished: bool

    @property
    def percent(self) -> int:
        if self.finished and self.total == self.done:
            return 100
        return int(100 * self.done / self.total) if self.total else 0


def progress_of(job: ImportJob, now: datetime.datetime | None = None) -> Progress:
    done = job.created + job.updated + job.unchanged
    total = max(job.rows_total - job.bad, 0)
    finished = job.status in FINISHED
    elapsed = ((job.finished_at or now or timezone.now()) - job.started_at).total_seconds()
    rate = done / elapsed if elapsed > 0 else 0.0
    eta = (total - done) / rate if not finished and rate and total > done else None
    return Progress(done=done, total=total, rate=rate, eta=eta, finished=finished)


@dataclass
class BadRow:
    line: int
    column: str | None
    reason: str


def bad_rows(job: ImportJob, limit: int = SHOWN_BAD_ROWS) -> list[BadRow]:
    """The first bad rows, read back from the job's bad-rows file, whose first column says
    `line N, column C: reason` (or `line N: reason` for a row-wide problem)."""
    path = Path(job.bad_rows_file) if job.bad_rows_file else None
    if path is None or not path.is_file():
        return []
    found: list[BadRow] = []
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader, [])[1:]
        for row in reader:
            if len(found) >= limit:
                break
            if row:
                found.append(_parse_error(row[0], header))
    return found


def _parse_error(text: str, header: list[str]) -> BadRow:
    match = _WHERE.match(text)
    if match is None:
        return BadRow(0, None, text)
    line, rest = int(match[1]), text[match.end() :]
    if not match[2]:
        return BadRow(line, None, rest.removeprefix(": "))
    # A column name may itself hold ": ", so match it against the header, longest first.
    for name in sorted(header, key=len, reverse=True):
        if rest.startswith(name + ": "):
            return BadRow(line, name, rest[len(name) + 2 :])
    column, _, reason = rest.partition(": ")
    return BadRow(line, column, reason)
