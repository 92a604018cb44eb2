import codecs
import datetime
import tempfile
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.datasets import OLIST
from truce.transfer.imports.reading import Dialect, SourceError, SourceRow, open_source

FRENCH = "nom;ville\nSociété Générale;Paris\nCrédit Agricole;Montrouge\nMüller & Söhne;Zürich\n"


def write(tmp_path: Path, data: bytes, name: str = "data.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def read(path: Path, **options) -> tuple[list[str], list[SourceRow]]:
    with open_source(path, **options) as source:
        return source.header, list(source.rows())


def plain(rows: list[SourceRow]) -> list[tuple[int, list[str]]]:
    assert [row.problem for row in rows] == [None] * len(rows)
    return [(row.line, row.cells) for row in rows]


# Encodings -----------------------------------------------------------------------------------


def test_excel_csv_utf8_with_bom_and_semicolons(tmp_path):
    path = write(tmp_path, codecs.BOM_UTF8 + "Nom;Montant\nSociété Générale;1,5\n".encode())

    with open_source(path) as source:
        assert source.format == "csv"
        assert source.encoding == "utf-8-sig"
        assert source.dialect == Dialect(";", '"')
        assert source.header == ["Nom", "Montant"]
        assert plain(list(source.rows())) == [(2, ["Société Générale", "1,5"])]


@pytest.mark.parametrize(
    ("bom", "codec", "encoding"),
    [
        (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16"),
        (codecs.BOM_UTF32_LE, "utf-32-le", "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32-be", "utf-32"),
    ],
)
def test_unicode_text_with_a_bom_is_decoded_by_it(tmp_path, bom, codec, encoding):
    text = "Name\tCity\r\nZoë Ångström\tMünchen\r\nBob\tOslo\r\n"
    path = write(tmp_path, bom + text.encode(codec), "unicode.txt")

    with open_source(path) as source:
        assert (source.encoding, source.dialect) == (encoding, Dialect("\t", '"'))
        assert source.header == ["Name", "City"]
        assert plain(list(source.rows())) == [
            (2, ["Zoë Ångström", "München"]),
            (3, ["Bob", "Oslo"]),
        ]


def test_cp1252_without_encoding_is_refused_with_a_suggestion(tmp_path):
    path = write(tmp_path, FRENCH.encode("cp1252"))

    with pytest.raises(SourceError) as refused:
        open_source(path)

    assert refused.value.field == "encoding"
    assert refused.value.message == (
        "The file is not UTF-8: byte 0xE9 at offset 14 (line 2) is not valid UTF-8 text. "
        "It looks like cp1252: import it with --encoding cp1252."
    )


def test_cp1252_with_the_encoding_given(tmp_path):
    path = write(tmp_path, FRENCH.encode("cp1252"))

    header, rows = read(path, encoding="cp1252")

    assert header == ["nom", "ville"]
    assert plain(rows) == [
        (2, ["Société Générale", "Paris"]),
        (3, ["Crédit Agricole", "Montrouge"]),
        (4, ["Müller & Söhne", "Zürich"]),
    ]


def test_an_explicit_encoding_wins_and_a_bom_is_stripped_from_the_header(tmp_path):
    path = write(tmp_path, codecs.BOM_UTF8 + b"email,name\nann@example.com,Ann\n")

    with open_source(path, encoding="utf-8") as source:
        assert source.encoding == "utf-8"
        assert source.header == ["email", "name"]


def test_unknown_encoding_is_refused(tmp_path):
    path = write(tmp_path, b"a,b\n1,2\n")

    with pytest.raises(SourceError) as refused:
        open_source(path, encoding="klingon")

    assert (refused.value.field, refused.value.message) == (
        "encoding",
        "Unknown encoding 'klingon'.",
    )


def test_utf16_without_a_bom_is_refused(tmp_path):
    path = write(tmp_path, "name,city\nAnn,Paris\nBob,Lyon\n".encode("utf-16-le"))

    with pytest.raises(SourceError) as refused:
        open_source(path)

    assert refused.value.field == "encoding"
    assert refused.value.message.startswith(
        "The file is not UTF-8: byte 0x00 at offset 1 (line 1) is not valid UTF-8 text."
    )
    assert "--encoding utf_16" in refused.value.message


def test_an_invalid_byte_after_the_sample_is_a_row_problem(tmp_path):
    filler = b"".join(b"%d,filler text for the sample\n" % i for i in range(40_000))
    assert len(filler) > 1024 * 1024
    path = write(tmp_path, b"id,name\n" + filler + b"x,Soci\xe9t\xe9\ny,fine\n")

    _header, rows = read(path)

    assert len(rows) == 40_002
    assert rows[-2] == SourceRow(
        40_002,
        ["x", "Soci\ufffdt\ufffd"],
        "Line 40002 has bytes that are not valid utf-8: 0xE9 0xE9.",
        "name",
    )
    assert rows[-1] == SourceRow(40_003, ["y", "fine"])
    assert [row.problem for row in rows[:-2]] == [None] * 40_000


def test_a_broken_utf16_sequence_is_a_row_problem(tmp_path):
    data = "a\tb\r\n1\t".encode("utf-16-le") + b"\x00\xdc" + "x\r\n2\t3\r\n".encode("utf-16-le")
    path = write(tmp_path, codecs.BOM_UTF16_LE + data, "unicode.txt")

    _header, rows = read(path)

    assert rows == [
        SourceRow(
            2,
            ["1", "\ufffd\ufffdx"],
            "Line 2 has bytes that are not valid utf-16: 0x00 0xDC.",
            "b",
        ),
        SourceRow(3, ["2", "3"]),
    ]


# Dialects and line ends ----------------------------------------------------------------------


@pytest.mark.parametrize("end", ["\n", "\r\n", "\r"])
def test_line_ends_lf_crlf_and_lone_cr(tmp_path, end):
    text = end.join(["name,note", '"Ann","two' + end + 'lines"', "Bob,plain", ""])
    path = write(tmp_path, text.encode())

    header, rows = read(path)

    assert header == ["name", "note"]
    assert plain(rows) == [(2, ["Ann", f"two{end}lines"]), (4, ["Bob", "plain"])]


def test_quoted_cells_with_newlines_delimiters_and_doubled_quotes(tmp_path):
    text = 'name,note,city\n"Smith, Ann","She said ""hi""\nand left\nearly",Paris\nBob,"a,b",Lyon\n'
    _header, rows = read(write(tmp_path, text.encode()))

    assert plain(rows) == [
        (2, ["Smith, Ann", 'She said "hi"\nand left\nearly', "Paris"]),
        (5, ["Bob", "a,b", "Lyon"]),
    ]


@pytest.mark.parametrize(("delimiter", "quote"), [(",", '"'), (";", '"'), ("\t", '"'), ("|", "'")])
def test_delimiter_and_quote_are_detected(tmp_path, delimiter, quote):
    rows = [["name", "tags", "city"], ["Ann", f"{quote}a{delimiter} b{quote}", "Paris"]]
    rows += [["Bob", "c", "Lyon"], ["Cid", f"{quote}d{delimiter}e{quote}", "Nice"]]
    path = write(tmp_path, "\n".join(delimiter.join(row) for row in rows).encode())

    with open_source(path) as source:
        assert source.dialect == Dialect(delimiter, quote)
        assert plain(list(source.rows())) == [
            (2, ["Ann", f"a{delimiter} b", "Paris"]),
            (3, ["Bob", "c", "Lyon"]),
            (4, ["Cid", f"d{delimiter}e", "Nice"]),
        ]


def test_an_explicit_delimiter_wins(tmp_path):
    path = write(tmp_path, b"a;b,c\n1;2,3\n")

    header, rows = read(path, delimiter=";")
    assert (header, plain(rows)) == (["a", "b,c"], [(2, ["1", "2,3"])])

    header, rows = read(path, delimiter="tab")
    assert (header, plain(rows)) == (["a;b,c"], [(2, ["1;2,3"])])


def test_an_impossible_delimiter_is_refused(tmp_path):
    path = write(tmp_path, b"a,b\n")

    with pytest.raises(SourceError) as refused:
        open_source(path, delimiter=";;")

    assert refused.value.field == "delimiter"
    assert refused.value.message == (
        "';;' cannot be a delimiter: give one character such as , ; | or tab."
    )


def test_a_one_column_file(tmp_path):
    header, rows = read(write(tmp_path, b"email\nann@example.com\nbob@example.com\n"))

    assert header == ["email"]
    assert plain(rows) == [(2, ["ann@example.com"]), (3, ["bob@example.com"])]


def test_blank_lines_and_empty_rows_are_skipped(tmp_path):
    header, rows = read(write(tmp_path, b"\n a , b \n\n1,2\n,\n\n3,4\n,\n,\n\n"))

    assert header == ["a", "b"]
    assert plain(rows) == [(4, ["1", "2"]), (7, ["3", "4"])]


# The header ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty: it has no header row."),
        (b"\n\n,,\n", "The file is empty: it has no header row."),
        (b"a,,c,\n1,2,3,4\n", "Every column needs a name: column 2, 4 of the header is empty."),
        (
            b"Email,name,email,Name\n",
            "Column names must be unique: 'Email' and 'email'; 'name' and 'Name' appear more "
            "than once.",
        ),
        (
            b'"a,b\n1,2\n',
            "The header row cannot be read: Unbalanced quote: a quote opened on line 1 is never "
            "closed, so lines 1–2 would be one cell.",
        ),
    ],
)
def test_a_bad_header_is_refused(tmp_path, data, message):
    with pytest.raises(SourceError) as refused:
        open_source(write(tmp_path, data))

    assert (refused.value.field, refused.value.message) == ("header", message)


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(SourceError) as refused:
        open_source(tmp_path / "nope.csv")

    assert refused.value.field == "file"
    assert refused.value.message == "Cannot open nope.csv: No such file or directory."


def test_an_old_xls_file_is_refused(tmp_path):
    path = write(tmp_path, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old.xls")

    with pytest.raises(SourceError) as refused:
        open_source(path)

    assert refused.value.message == "old.xls is an old Excel .xls file: save it as .xlsx or CSV."


# Row problems --------------------------------------------------------------------------------


def test_ragged_rows_say_how_many_cells(tmp_path):
    path = write(tmp_path, b'a,b\n1,2,3\n4\n5,6\n"x\ny",z,w\n')

    _header, rows = read(path)

    assert rows == [
        SourceRow(2, ["1", "2", "3"], "Line 2 has 3 cells, the header has 2."),
        SourceRow(3, ["4"], "Line 3 has 1 cell, the header has 2."),
        SourceRow(4, ["5", "6"]),
        SourceRow(
            5,
            ["x\ny", "z", "w"],
            "Line 5 has 3 cells, the header has 2. The record spans lines 5–6: check for an "
            "unbalanced quote.",
        ),
    ]


def test_an_unbalanced_quote_names_the_line_where_it_opened(tmp_path):
    path = write(tmp_path, b'name,city\nAnn,Paris\n"Bob,Lyon\nCid,Nice\nDan,Rome\n')

    _header, rows = read(path)

    assert rows == [
        SourceRow(2, ["Ann", "Paris"]),
        SourceRow(
            3,
            [],
            "Unbalanced quote: a quote opened on line 3 is never closed, so lines 3–5 would be "
            "one cell.",
        ),
    ]


def test_an_unbalanced_quote_that_reaches_the_cell_limit(tmp_path):
    lines = b"".join(b"%d,some text\n" % i for i in range(100))
    path = write(tmp_path, b'id,name\n1,"open\n' + lines)

    _header, rows = read(path, cell_limit=500)

    assert rows[0].line == 2
    assert rows[0].cells == []
    assert rows[0].problem is not None
    assert rows[0].problem.startswith(
        "Line 2 has a cell longer than the 500-character limit (the record from line 2 reaches "
        "line "
    )
    assert rows[0].problem.endswith("a quote opened on line 2 may never be closed).")


def test_text_after_a_closing_quote(tmp_path):
    _header, rows = read(write(tmp_path, b'a,b\n"x"y,1\n2,3\n'))

    assert rows == [
        SourceRow(2, [], "Line 2 has text after a closing quote: ',' expected after '\"'."),
        SourceRow(3, ["2", "3"]),
    ]


def test_nul_bytes_are_a_row_problem(tmp_path):
    _header, rows = read(write(tmp_path, b"a,b\n1,2\n3,4\x005\n6,7\n"))

    assert rows == [
        SourceRow(2, ["1", "2"]),
        SourceRow(
            3, ["3", "45"], "Line 3 contains NUL characters (a binary or damaged file?).", "b"
        ),
        SourceRow(4, ["6", "7"]),
    ]


def test_a_10_mb_cell_is_a_row_problem_in_bounded_memory(tmp_path):
    path = write(tmp_path, b"id,name\n1," + b"x" * 10_000_000 + b"\n2,Bob\n")

    tracemalloc.start()
    try:
        _header, rows = read(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert rows == [
        SourceRow(2, [], "Line 2 is longer than the 8,388,608-character line limit."),
        SourceRow(3, ["2", "Bob"]),
    ]
    assert peak < 30 * 1024 * 1024


def test_memory_does_not_grow_with_the_length_of_a_line(tmp_path):
    huge = b"x," * 10_000_000
    path = write(tmp_path, b"id,name\n1,Ann\n" + huge + b"\n2,Bob\n\n" + huge + b'"\n3,Cid\n')

    tracemalloc.start()
    try:
        _header, rows = read(path, cell_limit=10_000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert rows == [
        SourceRow(2, ["1", "Ann"]),
        SourceRow(3, [], "Line 3 is longer than the 80,000-character line limit."),
        SourceRow(4, ["2", "Bob"]),
        SourceRow(6, [], "Line 6 is longer than the 80,000-character line limit."),
        SourceRow(7, ["3", "Cid"]),
    ]
    assert peak < 4 * 1024 * 1024  # the lines are 20 MB each


def test_a_long_line_inside_a_quoted_cell(tmp_path):
    path = write(tmp_path, b'id,note\n1,"start\n' + b"y" * 500 + b'\nend"\n2,Bob\n')

    _header, rows = read(path, cell_limit=1000, line_limit=100)

    assert rows == [
        SourceRow(2, [], "Line 3 is longer than the 100-character line limit."),
        SourceRow(5, ["2", "Bob"]),
    ]


def test_a_quoted_oversize_cell_on_one_line(tmp_path):
    path = write(tmp_path, b'id,name\n1,"' + b"y" * 2_000_000 + b'"\n2,Bob\n')

    _header, rows = read(path)

    assert rows == [
        SourceRow(2, [], "Line 2 has a cell longer than the 1,048,576-character limit."),
        SourceRow(3, ["2", "Bob"]),
    ]


def test_a_formula_is_just_text_to_the_reader(tmp_path):
    _header, rows = read(write(tmp_path, b'name,city\n"=HYPERLINK(""http://x"",""y"")",Paris\n'))

    assert plain(rows) == [(2, ['=HYPERLINK("http://x","y")', "Paris"])]


def test_reading_200000_rows_streams_in_bounded_memory(tmp_path):
    path = tmp_path / "big.csv"
    with path.open("w") as out:
        out.write("id,email,company,created\n")
        for i in range(200_000):
            out.write(f"{i},person{i}@example.com,Company {i % 977},01-02-2018\n")

    tracemalloc.start()
    try:
        with open_source(path) as source:
            count = last = 0
            for row in source.rows():
                count, last = count + 1, row.line
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert (count, last) == (200_000, 200_001)
    assert path.stat().st_size > 10 * 1024 * 1024
    assert peak < 10 * 1024 * 1024


# XLSX ----------------------------------------------------------------------------------------


def make_workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def test_xlsx_cells_become_canonical_text(tmp_path):
    path = make_workbook(
        tmp_path / "leads.xlsx",
        {
            "Leads": [
                ["Name", "Score", "Ratio", "Won", "Since", "Won at", "Total"],
                ["Ann", 12, 0.25, True, datetime.date(2018, 2, 26),
                 datetime.datetime(2018, 2, 26, 19, 58), "=B2*2"],
                ["Bob", 7.0, 1e-7, False, None, datetime.datetime(2018, 3, 1, 0, 0), None],
            ]
        },
    )  # fmt: skip

    with open_source(path) as source:
        assert (source.format, source.encoding, source.dialect) == ("xlsx", "xlsx", None)
        assert source.header == ["Name", "Score", "Ratio", "Won", "Since", "Won at", "Total"]
        # openpyxl saves no cached value for a formula, so it reads as empty (documented).
        assert plain(list(source.rows())) == [
            (2, ["Ann", "12", "0.25", "TRUE", "2018-02-26", "2018-02-26T19:58:00", ""]),
            (3, ["Bob", "7", "1e-07", "FALSE", "", "2018-03-01", ""]),
        ]


def test_xlsx_formulas_read_as_their_cached_values(tmp_path):
    path = make_workbook(tmp_path / "f.xlsx", {"S": [["a", "b"], [21, "=A2*2"]]})
    # Give the formula the cached value Excel would have saved next to it.
    with zipfile.ZipFile(path) as original:
        parts = {name: original.read(name) for name in original.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"]
    assert b"<f>A2*2</f><v />" in sheet
    parts["xl/worksheets/sheet1.xml"] = sheet.replace(b"<f>A2*2</f><v />", b"<f>A2*2</f><v>42</v>")
    with zipfile.ZipFile(path, "w") as patched:
        for name, data in parts.items():
            patched.writestr(name, data)

    _header, rows = read(path)

    assert plain(rows) == [(2, ["21", "42"])]


def test_xlsx_is_chosen_by_content_and_rows_keep_sheet_numbers(tmp_path):
    path = make_workbook(
        tmp_path / "export.csv",
        {"First": [["x"], [1]], "Second": [["a", "b"], [], ["1"], ["2", "3", None, None]]},
    )

    with open_source(path, sheet="Second") as source:
        assert source.format == "xlsx"
        assert plain(list(source.rows())) == [(3, ["1", ""]), (4, ["2", "3"])]


def test_xlsx_ragged_row(tmp_path):
    path = make_workbook(tmp_path / "r.xlsx", {"S": [["a", "b"], [1, 2, 3]]})

    _header, rows = read(path)

    assert rows == [SourceRow(2, ["1", "2", "3"], "Row 2 has 3 cells, the header has 2.")]


def test_xlsx_unknown_sheet_lists_the_sheets(tmp_path):
    path = make_workbook(tmp_path / "s.xlsx", {"Leads": [["a"]], "Deals": [["b"]]})

    with pytest.raises(SourceError) as refused:
        open_source(path, sheet="Contacts")

    assert refused.value.field == "sheet"
    assert refused.value.message == "No sheet named 'Contacts'; the sheets are: Leads, Deals."


def test_xlsx_bad_header_and_empty_sheet(tmp_path):
    duplicate = make_workbook(tmp_path / "d.xlsx", {"S": [["a", "A", "b"]]})
    empty = make_workbook(tmp_path / "e.xlsx", {"S": []})

    with pytest.raises(SourceError) as refused:
        open_source(duplicate)
    assert (
        refused.value.message == "Column names must be unique: 'a' and 'A' appear more than once."
    )

    with pytest.raises(SourceError) as refused:
        open_source(empty)
    assert refused.value.message == "The sheet is empty: it has no header row."


def test_a_zip_that_is_not_a_workbook_is_refused(tmp_path):
    path = tmp_path / "archive.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "hi")

    with pytest.raises(SourceError) as refused:
        open_source(path)

    assert refused.value.field == "file"
    assert refused.value.message.startswith("archive.xlsx is a zip file but not a readable XLSX")


# The Olist files -----------------------------------------------------------------------------


def test_olist_leads():
    header, rows = read(OLIST / "marketing_qualified_leads.csv")

    assert header == ["mql_id", "first_contact_date", "landing_page_id", "origin"]
    assert len(rows) == 8_000
    assert [row.problem for row in rows] == [None] * 8_000
    assert rows[0] == SourceRow(
        2,
        [
            "dac32acd4db4c29c230538b72f8dd87d",
            "01-02-2018",
            "88740e65d5d6b056e0cda098e1ea6313",
            "social",
        ],
    )
    assert rows[-1].line == 8_001
    assert sum(1 for row in rows if row.cells[3] == "") == 60


def test_olist_closed_deals():
    with open_source(OLIST / "closed_deals.csv") as source:
        assert (source.encoding, source.dialect) == ("utf-8", Dialect(",", '"'))
        assert source.header[4:11] == [
            "won_date",
            "business_segment",
            "lead_type",
            "lead_behaviour_profile",
            "has_company",
            "has_gtin",
            "average_stock",
        ]
        rows = list(source.rows())

    assert len(rows) == 842
    assert [row.problem for row in rows] == [None] * 842
    multi = next(row for row in rows if row.line == 72)
    assert multi.cells[4:11] == [
        "21-09-2018 18:18",
        "bed_bath_table",
        "online_medium",
        "cat, wolf",
        "TRUE",
        "TRUE",
        "May-20",
    ]


# No file crashes -----------------------------------------------------------------------------

CSV_BYTES = st.one_of(
    st.binary(max_size=400),
    st.lists(
        st.sampled_from([b"a", b"b", b",", b";", b'"', b"'", b"\n", b"\r", b"\0", b"\xe9", b"\t"])
    ).map(b"".join),
)


@settings(max_examples=300, deadline=None)
@given(CSV_BYTES)
def test_any_bytes_give_rows_or_a_source_error(data):
    with tempfile.TemporaryDirectory() as directory:
        path = write(Path(directory), data)
        try:
            with open_source(path, cell_limit=50) as source:
                rows = list(source.rows())
        except SourceError as error:
            assert error.field in ("file", "encoding", "header")
            return

    width = len(source.header)
    for row in rows:
        assert row.line >= 2
        assert row.problem is not None or len(row.cells) == width
