"""Read a CSV or XLSX file as a header and a lazy stream of rows of text cells.

`open_source(path)` decides everything that concerns the whole file once, on a sample, and
raises `SourceError` when the file cannot be read at all (unknown encoding, no header, duplicate
or empty column names, unknown sheet). Problems confined to one record never stop the stream:
`Source.rows()` yields that record as a `SourceRow` whose `problem` says what is wrong.

Encoding (CSV). A byte-order mark decides (UTF-8, UTF-16 LE/BE, UTF-32 LE/BE); an explicit
`encoding=` wins over everything. Otherwise the file must be UTF-8: the first `SAMPLE_BYTES`
are decoded strictly, and if that fails the file is refused with a `SourceError` naming the
first offending byte, its line and a best guess from charset-normalizer to pass as
`--encoding`. We refuse rather than silently decode with the guess because a wrong guess turns
`Société` into `SociÃ©tÃ©` in every imported name, and the person importing knows what their
spreadsheet saved. A sample that decodes as UTF-8 but is full of NUL bytes is UTF-16 without
a BOM and is refused the same way. An invalid byte further in the file is a row problem:
the cell shows U+FFFD in its place and the row says which line and column.

Dialect (CSV). The delimiter (`,` `;` tab `|`) and quote character (`"` or `'`) are detected
on the decoded sample with clevercsv, which scores each candidate by how consistent the table
it yields is (a plain `csv.Sniffer` is fooled by delimiters inside quoted cells). An explicit
`delimiter=` wins. A file with no delimiter at all is a one-column file.

Records. `rows()` is a single pass over the file. Line numbers are 1-based physical lines
where a record starts (the header is line 1, and a quoted cell spanning lines makes later
numbers jump). LF, CRLF and lone CR all end a line. Blank lines and rows whose cells are all
empty are skipped. Row problems: a ragged row, a cell over `cell_limit` characters, a physical
line over `line_limit` (default 8 x `cell_limit`), undecodable bytes, NUL characters, text
after a closing quote, and a quote that is never closed (reported at the line where it
opened). Memory is bounded by `line_limit` plus `cell_limit` and the sample, never by the file
size. The cell limit is the csv module's `field_size_limit`, which is process-wide: it is set
each time a CSV source starts reading.

XLSX is recognised by its content (a zip), read with openpyxl in read-only mode from the
first sheet (or `sheet=`), with formulas as their cached values. A formula saved without a
cached value (files written by libraries that do not calculate) reads as an empty cell.
Cells become text: integers without `.0`, other numbers in Python's shortest form,
booleans `TRUE`/`FALSE`, dates `2018-02-26`, date-times `2018-02-26T19:58:00` (a date-time
at exactly midnight reads as a date), times `19:58:00`.
"""

import codecs
import csv
import datetime
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, NamedTuple

import charset_normalizer
import clevercsv

from truce.errors import DomainError

SAMPLE_BYTES = 1024 * 1024
DIALECT_SAMPLE_CHARS = 64 * 1024
DEFAULT_CELL_LIMIT = 1024 * 1024
LINE_LIMIT_CELLS = 8  # a physical line may hold this many cells' worth of characters
DELIMITERS = (",", ";", "\t", "|")
QUOTECHARS = ('"', "'")
_DELIMITER_NAMES = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}
_BOMS = (  # UTF-32 first: its little-endian BOM starts with UTF-16's.
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"
_ESCAPED = re.compile("[\udc00-\udcff]")
_ERROR_HANDLER = "truce_import"


class SourceError(DomainError):
    """The file cannot be read at all; `field` says which part: file, encoding, header, ..."""

    code = "unreadable_file"


class SourceRow(NamedTuple):
    line: int
    cells: list[str]
    problem: str | None = None
    column: str | None = None


@dataclass(frozen=True)
class Dialect:
    delimiter: str
    quotechar: str


# Undecodable bytes become lone surrogates (like "surrogateescape", but also for bytes < 0x80
# in UTF-16/32), and a process-wide count lets each source scan rows only after one happened.
_decode_errors = [0]


def _escape_undecodable(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeDecodeError):
        raise error
    bad = error.object[error.start : error.end]
    _decode_errors[0] += len(bad)
    return "".join(chr(0xDC00 + b) for b in bad), error.end


codecs.register_error(_ERROR_HANDLER, _escape_undecodable)


class _NulCountingReader(io.BufferedReader):
    """Counts NUL bytes per chunk, so rows are scanned for them only when there are some."""

    nul_bytes = 0

    def read1(self, size: int = -1, /) -> bytes:
        data = super().read1(size)
        if b"\0" in data:
            self.nul_bytes += data.count(b"\0")
        return data


class Source:
    format: Literal["csv", "xlsx"]
    header: list[str]
    encoding: str
    dialect: Dialect | None = None

    def rows(self) -> Iterator[SourceRow]:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> "Source":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def open_source(
    path: Path,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
    cell_limit: int = DEFAULT_CELL_LIMIT,
    line_limit: int | None = None,
) -> Source:
    """Open a CSV or XLSX file (chosen by content) and read its header; use as a context manager."""
    path = Path(path)
    try:
        with path.open("rb") as probe:
            head = probe.read(SAMPLE_BYTES)
    except OSError as error:
        raise SourceError(f"Cannot open {path.name}: {error.strerror}.", field="file") from None
    if head.startswith(_OLE_MAGIC):
        raise SourceError(
            f"{path.name} is an old Excel .xls file: save it as .xlsx or CSV.", field="file"
        )
    if head.startswith(_ZIP_MAGIC):
        return XlsxSource(path, sheet=sheet)
    return CsvSource(
        path,
        head,
        encoding=encoding,
        delimiter=delimiter,
        cell_limit=cell_limit,
        line_limit=line_limit or LINE_LIMIT_CELLS * cell_limit,
    )


# CSV -----------------------------------------------------------------------------------------


class CsvSource(Source):
    format = "csv"

    def __init__(
        self,
        path: Path,
        head: bytes,
        *,
        encoding: str | None,
        delimiter: str | None,
        cell_limit: int,
        line_limit: int,
    ):
        self.encoding = _choose_encoding(head, encoding)
        self.cell_limit, self.line_limit = cell_limit, line_limit
        self._overlong: list[int] = []
        sample = _decoded_sample(head, self.encoding)
        self.dialect = _choose_dialect(sample, delimiter)
        self._wide = self.encoding.replace("_", "-").lower().startswith(("utf-16", "utf-32"))
        self._file = _NulCountingReader(io.FileIO(path, "rb"), buffer_size=64 * 1024)
        self._text = io.TextIOWrapper(
            self._file, encoding=self.encoding, errors=_ERROR_HANDLER, newline=""
        )
        self._reader = csv.reader(
            self._lines(),
            delimiter=self.dialect.delimiter,
            quotechar=self.dialect.quotechar,
            doublequote=True,
            strict=True,
        )
        self._decode_errors_seen = _decode_errors[0]
        self._nul_seen = 0
        self.header = self._read_header()

    def close(self) -> None:
        self._text.close()

    def _read_header(self) -> list[str]:
        csv.field_size_limit(self.cell_limit)
        for row in self._records():
            if row.problem and row.column is None:
                raise SourceError(f"The header row cannot be read: {row.problem}", field="header")
            return _checked_header([cell.strip().lstrip("\ufeff").strip() for cell in row.cells])
        raise SourceError("The file is empty: it has no header row.", field="header")

    def rows(self) -> Iterator[SourceRow]:
        csv.field_size_limit(self.cell_limit)  # process-wide in the csv module: set per read
        header, width = self.header, len(self.header)
        for row in self._records():
            if row.problem is None and len(row.cells) != width:
                yield row._replace(problem=_ragged(row, width, self._reader.line_num))
            elif row.column is not None:
                index = int(row.column)  # past the header in a ragged row: no column to name
                yield row._replace(column=header[index] if index < width else None)
            else:
                yield row

    def _lines(self) -> Iterator[str]:
        """Physical lines, an overlong one replaced by an empty line and noted in `_overlong`,
        so that memory stays bounded by `line_limit` even for a file that is one huge line."""
        readline, limit = self._text.readline, self.line_limit
        while True:
            line = readline(limit)
            if len(line) < limit or line[-1] in "\r\n":
                if not line:
                    return
                yield line
                continue
            self._overlong.append(self._reader.line_num + 1)
            while len(line) == limit and line[-1] not in "\r\n":
                line = readline(limit)
            yield "\n"

    def _records(self) -> Iterator[SourceRow]:
        """Raw records; `column` holds the column index as text when a problem is in one cell."""
        reader = self._reader
        start = reader.line_num + 1
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                problem = self._overlong_problem() or _csv_problem(
                    str(error), start, reader.line_num
                )
                yield SourceRow(start, [], problem)
                start = reader.line_num + 1
                continue
            line, start = start, reader.line_num + 1
            if self._overlong:
                yield SourceRow(line, [], self._overlong_problem())
                continue
            if not any(cells):
                continue
            if _decode_errors[0] != self._decode_errors_seen:
                damaged = self._undecodable(line, cells)
                if damaged:
                    yield damaged
                    continue
            if self._wide or self._file.nul_bytes != self._nul_seen:
                damaged = self._nul(line, cells)
                if damaged:
                    yield damaged
                    continue
            yield SourceRow(line, cells)

    def _overlong_problem(self) -> str | None:
        if not self._overlong:
            return None
        first, self._overlong = self._overlong[0], []
        return f"Line {first} is longer than the {self.line_limit:,}-character line limit."

    def _undecodable(self, line: int, cells: list[str]) -> SourceRow | None:
        for index, cell in enumerate(cells):
            found = _ESCAPED.findall(cell)
            if found:
                self._decode_errors_seen += sum(len(c) for r in cells for c in _ESCAPED.findall(r))
                shown = " ".join(f"0x{ord(c) - 0xDC00:02X}" for c in found[:4])
                clean = [_ESCAPED.sub("\ufffd", c) for c in cells]
                problem = f"Line {line} has bytes that are not valid {self.encoding}: {shown}."
                return SourceRow(line, clean, problem, str(index))
        return None

    def _nul(self, line: int, cells: list[str]) -> SourceRow | None:
        for index, cell in enumerate(cells):
            if "\0" in cell:
                self._nul_seen += sum(c.count("\0") for c in cells)
                clean = [c.replace("\0", "") for c in cells]
                problem = f"Line {line} contains NUL characters (a binary or damaged file?)."
                return SourceRow(line, clean, problem, str(index))
        return None


def _csv_problem(message: str, start: int, end: int) -> str:
    if "field larger than field limit" in message:
        limit = csv.field_size_limit()
        spans = (
            f" (the record from line {start} reaches line {end}: a quote opened on line "
            f"{start} may never be closed)"
            if end > start
            else ""
        )
        return f"Line {start} has a cell longer than the {limit:,}-character limit{spans}."
    if "unexpected end of data" in message:
        return (
            f"Unbalanced quote: a quote opened on line {start} is never closed, so lines "
            f"{start}–{end} would be one cell."
        )
    if "expected after" in message:
        return f"Line {start} has text after a closing quote: {message}."
    return f"Line {start} cannot be read: {message}."


def _ragged(row: SourceRow, width: int, last_line: int) -> str:
    got = len(row.cells)
    problem = f"Line {row.line} has {got} cell{'s' if got != 1 else ''}, the header has {width}."
    if last_line > row.line:
        problem += f" The record spans lines {row.line}–{last_line}: check for an unbalanced quote."
    return problem


def _checked_header(names: list[str]) -> list[str]:
    empty = [str(i + 1) for i, name in enumerate(names) if not name]
    if empty:
        raise SourceError(
            f"Every column needs a name: column {', '.join(empty)} of the header is empty.",
            field="header",
        )
    seen: dict[str, str] = {}
    duplicates = []
    for name in names:
        if name.casefold() in seen:
            duplicates.append(f"{seen[name.casefold()]!r} and {name!r}")
        seen.setdefault(name.casefold(), name)
    if duplicates:
        raise SourceError(
            f"Column names must be unique: {'; '.join(duplicates)} appear more than once.",
            field="header",
        )
    return names


def _choose_encoding(head: bytes, explicit: str | None) -> str:
    if explicit:
        try:
            codecs.lookup(explicit)
        except LookupError:
            raise SourceError(f"Unknown encoding {explicit!r}.", field="encoding") from None
        return explicit
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    try:
        # Not final: the sample may end inside a multi-byte character.
        codecs.getincrementaldecoder("utf-8")().decode(head, final=len(head) < SAMPLE_BYTES)
    except UnicodeDecodeError as error:
        raise _not_utf8(head, error.start) from None
    if head.count(b"\0") > len(head) // 4:
        raise _not_utf8(head, head.index(b"\0"))
    return "utf-8"


def _not_utf8(head: bytes, offset: int) -> SourceError:
    before = head[:offset]
    line = (before.count(b"\n") or before.count(b"\r")) + 1
    guess = _guess_encoding(head)
    return SourceError(
        f"The file is not UTF-8: byte 0x{head[offset]:02X} at offset {offset} (line {line}) "
        f"is not valid UTF-8 text. It looks like {guess}: import it with --encoding {guess}.",
        field="encoding",
    )


def _guess_encoding(head: bytes) -> str:
    """charset-normalizer's best guess, but cp1252 (Excel on Western Windows) when the guess is
    one of several code pages that give the very same text."""
    best = charset_normalizer.from_bytes(head).best()
    if (
        best is None
        or best.encoding in ("utf_8", "ascii")
        or "cp1252" in best.could_be_from_charset
    ):
        return "cp1252"
    return best.encoding


def _decoded_sample(head: bytes, encoding: str) -> str:
    """Up to DIALECT_SAMPLE_CHARS of text, cut after a line end when the file goes on."""
    text = head.decode(encoding, errors="replace")
    if len(text) <= DIALECT_SAMPLE_CHARS and len(head) < SAMPLE_BYTES:
        return text
    text = text[:DIALECT_SAMPLE_CHARS]
    end = max(text.rfind("\n"), text.rfind("\r"))
    return text[: end + 1] if end > 0 else text


def _choose_dialect(sample: str, explicit: str | None) -> Dialect:
    if explicit is not None:
        delimiter = _DELIMITER_NAMES.get(explicit.lower(), explicit)
        if len(delimiter) != 1 or delimiter in "\r\n\"'":
            raise SourceError(
                f"{explicit!r} cannot be a delimiter: give one character such as , ; | or tab.",
                field="delimiter",
            )
        return Dialect(delimiter, _quotechar_for(sample, delimiter))
    try:
        found = clevercsv.Detector().detect(sample.replace("\0", ""), delimiters=DELIMITERS)
    except clevercsv.exceptions.Error:  # a sample it cannot parse: fall back to the default
        found = None
    delimiter = found.delimiter if found and found.delimiter in DELIMITERS else ","
    quotechar = found.quotechar if found and found.quotechar in QUOTECHARS else '"'
    return Dialect(delimiter, quotechar)


def _quotechar_for(sample: str, delimiter: str) -> str:
    single = sample.count(f"{delimiter}'") + sample.count("\n'")
    double = sample.count(f'{delimiter}"') + sample.count('\n"')
    return "'" if single > double else '"'


# XLSX ----------------------------------------------------------------------------------------


class XlsxSource(Source):
    format = "xlsx"
    encoding = "xlsx"

    def __init__(self, path: Path, *, sheet: str | None):
        import openpyxl

        # A file object, not the path: openpyxl would refuse a workbook named `export.csv`.
        self._file = path.open("rb")
        try:
            self._book = openpyxl.load_workbook(self._file, read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
            self._file.close()
            raise SourceError(
                f"{path.name} is a zip file but not a readable XLSX workbook ({error}).",
                field="file",
            ) from None
        names = self._book.sheetnames
        if sheet is not None and sheet not in names:
            self.close()
            raise SourceError(
                f"No sheet named {sheet!r}; the sheets are: {', '.join(names)}.", field="sheet"
            )
        self._sheet = self._book[sheet if sheet is not None else names[0]]
        self._sheet.reset_dimensions()  # some writers record wrong dimensions
        self._rows = self._records()
        self.header = self._read_header()

    def close(self) -> None:
        self._book.close()
        self._file.close()

    def _read_header(self) -> list[str]:
        for row in self._rows:
            cells = row.cells
            while cells and not cells[-1]:
                cells.pop()
            return _checked_header([cell.strip().lstrip("\ufeff").strip() for cell in cells])
        raise SourceError("The sheet is empty: it has no header row.", field="header")

    def _records(self) -> Iterator[SourceRow]:
        for number, values in enumerate(self._sheet.iter_rows(values_only=True), start=1):
            cells = [_cell_text(value) for value in values]
            if any(cells):
                yield SourceRow(number, cells)

    def rows(self) -> Iterator[SourceRow]:
        width = len(self.header)
        for row in self._rows:
            cells = row.cells
            while len(cells) > width and not cells[-1]:
                cells.pop()
            if len(cells) > width:
                got = len(cells)
                yield row._replace(
                    problem=f"Row {row.line} has {got} cells, the header has {width}."
                )
                continue
            if len(cells) < width:
                cells.extend([""] * (width - len(cells)))
            yield row


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0):
            return value.date().isoformat()
        return value.isoformat(timespec="seconds" if not value.microsecond else "microseconds")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value)
