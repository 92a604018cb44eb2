"""The import's checking: each row's cells coerced and checked, then the first pass over the
whole file (bad rows, duplicate keys, checks against the database), whose good rows wait in a
spool for the second pass; and the bad rows written back as a CSV to fix."""

import csv
import pickle
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.conf import settings

from ..models import ImportJob
from .coercion import CoercionError, coercer_for, detect_date_format, is_formula
from .fields import Field
from .kinds import Row, RowProblem, Writer
from .mapping import MappingError, Spec, resolve
from .reading import Source, SourceRow, open_source

SHOWN_BAD_ROWS = 100  # in the report; the bad-rows file has them all
DATE_SAMPLE = 1000
BATCH_ROWS = 5000


@dataclass
class BadRow:
    line: int
    column: str | None
    reason: str


@dataclass(frozen=True)
class Reading:
    """How to read a file: what open_source takes besides the path."""

    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None

    def open(self, path: Path) -> Source:
        return open_source(path, encoding=self.encoding, delimiter=self.delimiter, sheet=self.sheet)


AS_DETECTED = Reading()  # encoding, delimiter and sheet as the file says


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


def columns_for(spec: Spec, source: Source) -> tuple[list[Column], dict[str, str]]:
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


def constants_for(spec: Spec) -> dict[str, Any]:
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


def check_all(
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


def good_rows(plan: Plan, after: int) -> Iterator[Row]:
    """The first pass's good rows after line `after` (resuming), from the spool."""
    plan.spool.seek(0)
    while True:
        try:
            chunk: list[Row] = pickle.load(plan.spool)
        except EOFError:
            return
        yield from (row for row in chunk if row[0] > after)


def batches(rows: Iterator[Row], size: int) -> Iterator[list[Row]]:
    batch: list[Row] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def write_bad_rows(
    path: Path, reading: Reading, source_header: list[str], job: ImportJob, plan: Plan
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
