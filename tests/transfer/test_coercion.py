import datetime
from collections import Counter
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.datasets import OLIST
from truce.transfer.imports.coercion import (
    DATE_FORMATS,
    FALSE_WORDS,
    TRUE_WORDS,
    CoercionError,
    DateGuess,
    coercer_for,
    detect_date_format,
    detect_decimal_separator,
    is_formula,
)
from truce.transfer.imports.reading import open_source

UTC, PARIS = datetime.UTC, ZoneInfo("Europe/Paris")
AMBIGUOUS = "'{}' is ambiguous: set the decimal separator ('.' or ',') for this column"
PLUS_TWO = datetime.timezone(datetime.timedelta(hours=2))


def refused(coerce, text: str) -> str:
    with pytest.raises(CoercionError) as error:
        coerce(text)
    return error.value.reason


def olist_column(name: str, column: str) -> list[str]:
    with open_source(OLIST / name) as source:
        index = source.header.index(column)
        return [row.cells[index] for row in source.rows()]


# Text and email ------------------------------------------------------------------------------


def test_text_is_stripped_and_blank_is_none():
    coerce = coercer_for("text", {"max_length": 5})

    assert (coerce("  Ann "), coerce("   "), coerce("")) == ("Ann", None, None)
    assert refused(coerce, "Annabelle") == "text of 9 characters is over 5"


def test_email_uses_the_people_normalisation():
    coerce = coercer_for("email")

    assert coerce("  Ann.Smith@Example.COM ") == "ann.smith@example.com"
    assert coerce(" ") is None
    assert refused(coerce, " not-an-email ") == "'not-an-email' is not an email address"


# Numbers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "separator", "value"),
    [
        ("12", None, "12"),
        ("-3.5", None, "-3.5"),
        ("+7", None, "7"),
        ("1,234.56", None, "1234.56"),
        ("1.234,56", None, "1234.56"),
        ("1 234,56", None, "1234.56"),
        ("1\u00a0234\u00a0567,5", None, "1234567.5"),
        ("1\u202f234.5", None, "1234.5"),
        ("1'234.50", None, "1234.50"),
        ("1,234,567", None, "1234567"),
        ("1.234.567", None, "1234567"),
        ("0,123", None, "0.123"),
        ("1234,567", None, "1234.567"),
        ("1234.567", None, "1234.567"),
        ("-0.123", None, "-0.123"),
        ("1,5", None, "1.5"),
        (".5", None, "0.5"),
        ("(1,200.00)", None, "-1200.00"),
        ("1.5E3", None, "1500"),
        ("1,234", ".", "1234"),
        ("1,234", ",", "1.234"),
        ("1.234", ".", "1.234"),
        ("1.234", ",", "1234"),
        ("12.5", ".", "12.5"),
        ("12,5", ",", "12.5"),
    ],
)
def test_decimal_spellings(text, separator, value):
    assert coercer_for("decimal", {"decimal_separator": separator})(text) == Decimal(value)


@pytest.mark.parametrize(
    ("text", "separator", "reason"),
    [
        ("abc", None, "'abc' is not a number"),
        ("12.", None, "'12.' is not a number"),
        ("1-2", None, "'1-2' is not a number"),
        ("NaN", None, "'NaN' is not a number"),
        (
            "1,234",
            None,
            "'1,234' is ambiguous: set the decimal separator ('.' or ',') for this column",
        ),
        (
            "1.234",
            None,
            "'1.234' is ambiguous: set the decimal separator ('.' or ',') for this column",
        ),
        (
            "+1.234",
            None,
            "'+1.234' is ambiguous: set the decimal separator ('.' or ',') for this column",
        ),
        ("1,2,3", None, "'1,2,3' is not a number (digit groups are misplaced)"),
        ("12,34.5", ".", "'12,34.5' is not a number (digit groups are misplaced)"),
        ("1.5,2", ".", "'1.5,2' is not a number (digit groups are misplaced)"),
        ("12.5", ",", "'12.5' is not a number (digit groups are misplaced)"),
        ("1,234.5E3", None, "'1,234.5E3' is not a number"),
    ],
)
def test_decimal_refusals(text, separator, reason):
    assert refused(coercer_for("decimal", {"decimal_separator": separator}), text) == reason


def test_blank_numbers_are_none():
    assert coercer_for("decimal")(" ") is None
    assert coercer_for("integer")("") is None


def test_integers():
    coerce = coercer_for("integer", {"decimal_separator": "."})

    assert [coerce(t) for t in ["42", "-7", "1,234", "12.0", " 5 "]] == [42, -7, 1234, 12, 5]
    assert refused(coerce, "12.5") == "'12.5' is not a whole number"
    assert refused(coerce, "01-May") == "'01-May' is not a number"


def test_huge_numbers_are_refused_not_computed():
    assert refused(coercer_for("integer"), "9" * 5000) == (
        f"'{'9' * 57}...' is too large for a whole number"
    )
    assert refused(coercer_for("integer"), "1E999") == "'1E999' is too large for a whole number"
    assert refused(coercer_for("decimal"), "1E9999999") == "'1E9999999' is not a number"
    assert coercer_for("integer")("9" * 30) == 10**30 - 1
    assert refused(coercer_for("integer"), "1" + "0" * 30) == (
        f"'1{'0' * 30}' is too large for a whole number"
    )


def test_a_long_cell_is_cut_short_in_the_reason():
    assert refused(coercer_for("decimal"), "x" * 1_000_000) == f"'{'x' * 57}...' is not a number"


@pytest.mark.parametrize(
    ("samples", "separator"),
    [
        (["1,234", "12,5", ""], ","),
        (["1,234", "1,234,567.5"], "."),
        (["1.234", "0,5"], ","),
        (["1 234,56", "7"], ","),
        (["12", "1,234"], None),
        (["12.5", "12,5"], None),
        (["abc"], None),
        ([], None),
    ],
)
def test_detect_decimal_separator(samples, separator):
    assert detect_decimal_separator(samples) == separator


def test_decimal_separator_detection_looks_at_a_limited_number_of_samples():
    samples = ["1,234"] * 3 + ["1,5"]

    assert detect_decimal_separator(samples, limit=3) is None
    assert detect_decimal_separator(samples, limit=4) == ","


def test_a_bad_separator_option_is_refused_when_building():
    with pytest.raises(ValueError, match="decimal_separator must be"):
        coercer_for("decimal", {"decimal_separator": ";"})


def locale_styles(value: Decimal) -> list[tuple[str, str]]:
    sign = "-" if value < 0 else ""
    whole, fraction = f"{abs(value):.2f}".split(".")
    groups = f"{int(whole):,}"
    nbsp, apostrophe = groups.replace(",", "\u00a0"), groups.replace(",", "'")
    return [
        (f"{sign}{groups}.{fraction}", "."),
        (f"{sign}{groups.replace(',', '.')},{fraction}", ","),
        (f"{sign}{nbsp},{fraction}", ","),
        (f"{sign}{groups.replace(',', ' ')},{fraction}", ","),
        (f"{sign}{apostrophe}.{fraction}", "."),
        (f"{sign}{whole}.{fraction}", "."),
        (f"{sign}{whole},{fraction}", ","),
    ]


@given(st.decimals(min_value=-(10**12), max_value=10**12, places=2, allow_nan=False))
def test_decimals_round_trip_in_every_locale_style(value):
    for text, separator in locale_styles(value):
        assert coercer_for("decimal", {"decimal_separator": separator})(text) == value, text
        # Two decimal places are never ambiguous, so auto agrees.
        assert coercer_for("decimal")(text) == value, text


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_integers_round_trip_with_grouping(value):
    assert coercer_for("integer", {"decimal_separator": "."})(f"{value:,}") == value
    assert (
        coercer_for("integer", {"decimal_separator": ","})(f"{value:,}".replace(",", ".")) == value
    )


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("$1,200.50", ("1200.50", "USD")),
        ("1.200,50 €", ("1200.50", "EUR")),
        ("€1.200,50", ("1200.50", "EUR")),
        ("BRL 100", ("100", "BRL")),
        ("R$ 12,50", ("12.50", "BRL")),
        ("12 eur", ("12", "EUR")),
        ("£3", ("3", "GBP")),
        ("-$5", ("-5", "USD")),
        ("$-5", ("-5", "USD")),
        ("1,200.50", ("1200.50", None)),
        ("(15.00) USD", ("-15.00", "USD")),
    ],
)
def test_money(text, value):
    amount, currency = value
    assert coercer_for("money")(text) == (Decimal(amount), currency)


def test_money_dollar_option_and_refusals():
    assert coercer_for("money", {"dollar": "CAD"})("$5") == (Decimal(5), "CAD")
    coerce = coercer_for("money")
    assert coerce("  ") is None
    assert refused(coerce, "€") == "'€' is not an amount of money"
    assert refused(coerce, "USD 5 EUR") == "'USD 5 EUR' is not an amount of money"
    assert refused(coerce, "five dollars") == "'five dollars' is not an amount of money"
    assert refused(coerce, "$1,234") == (
        "'1,234' is ambiguous: set the decimal separator ('.' or ',') for this column"
    )


# Booleans ------------------------------------------------------------------------------------


def test_every_documented_boolean_spelling():
    coerce = coercer_for("boolean")

    for word in TRUE_WORDS:
        assert (coerce(word), coerce(word.upper()), coerce(f" {word.title()} ")) == (True,) * 3
    for word in FALSE_WORDS:
        assert (coerce(word), coerce(word.upper()), coerce(f" {word.title()} ")) == (False,) * 3
    assert coerce("") is None
    assert refused(coerce, "maybe") == "'maybe' is not yes or no (true/false, yes/no, 1/0)"


def test_olist_booleans():
    coerce = coercer_for("boolean")

    assert Counter(map(coerce, olist_column("closed_deals.csv", "has_company"))) == {
        None: 779,
        True: 58,
        False: 5,
    }
    assert Counter(map(coerce, olist_column("closed_deals.csv", "has_gtin"))) == {
        None: 778,
        True: 54,
        False: 10,
    }


# Dates ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("YYYY-MM-DD", "2018-02-26"),
        ("YYYY/MM/DD", "2018/02/26"),
        ("DD-MM-YYYY", "26-02-2018"),
        ("MM-DD-YYYY", "02-26-2018"),
        ("DD/MM/YYYY", "26/2/2018"),
        ("MM/DD/YYYY", "2/26/2018"),
        ("DD.MM.YYYY", "26.02.2018"),
        ("ISO 8601", "2018-02-26"),
        ("EXCEL", "43157"),
    ],
)
def test_every_named_date_format(name, text):
    assert coercer_for("date", {"format": name})(text) == datetime.date(2018, 2, 26)


@pytest.mark.parametrize(
    ("name", "text", "value"),
    [
        ("DD-MM-YYYY", "26-02-2018 19:58", datetime.datetime(2018, 2, 26, 19, 58, tzinfo=PARIS)),
        ("DD-MM-YYYY", "26-02-2018", datetime.datetime(2018, 2, 26, tzinfo=PARIS)),
        ("MM/DD/YYYY", "02/26/2018 7:05:09", datetime.datetime(2018, 2, 26, 7, 5, 9, tzinfo=PARIS)),
        ("YYYY-MM-DD", "2018-02-26T19:58:00", datetime.datetime(2018, 2, 26, 19, 58, tzinfo=PARIS)),
        (
            "YYYY-MM-DD",
            "2018-02-26 19:58:00.25",
            datetime.datetime(2018, 2, 26, 19, 58, 0, 250000, tzinfo=PARIS),
        ),
        (
            "ISO 8601",
            "2018-02-26T19:58:00+02:00",
            datetime.datetime(2018, 2, 26, 19, 58, tzinfo=PLUS_TWO),
        ),
        ("ISO 8601", "2018-02-26T19:58:00Z", datetime.datetime(2018, 2, 26, 19, 58, tzinfo=UTC)),
        ("ISO 8601", "2018-02-26T19:58", datetime.datetime(2018, 2, 26, 19, 58, tzinfo=PARIS)),
        ("EXCEL", "43157.75", datetime.datetime(2018, 2, 26, 18, 0, tzinfo=PARIS)),
    ],
)
def test_datetimes_are_aware_in_the_given_zone(name, text, value):
    result = coercer_for("datetime", {"format": name, "time_zone": "Europe/Paris"})(text)

    assert result == value
    assert result.utcoffset() == value.utcoffset()


def test_datetimes_default_to_the_site_time_zone(settings):
    settings.TIME_ZONE = "America/Sao_Paulo"

    result = coercer_for("datetime", {"format": "DD-MM-YYYY"})("26-02-2018 19:58")

    assert result == datetime.datetime(2018, 2, 26, 22, 58, tzinfo=UTC)
    assert result.tzinfo == ZoneInfo("America/Sao_Paulo")


@pytest.mark.parametrize(
    ("name", "text", "reason"),
    [
        ("DD-MM-YYYY", "31-02-2018", "'31-02-2018' is not a date in DD-MM-YYYY"),
        ("DD-MM-YYYY", "2018-02-26", "'2018-02-26' is not a date in DD-MM-YYYY"),
        ("DD-MM-YYYY", "26-02-2018 25:00", "'26-02-2018 25:00' is not a date in DD-MM-YYYY"),
        ("DD-MM-YYYY", "01-May", "'01-May' is not a date in DD-MM-YYYY"),
        ("MM/DD/YYYY", "26/02/2018", "'26/02/2018' is not a date in MM/DD/YYYY"),
        ("YYYY-MM-DD", "26-02-18", "'26-02-18' is not a date in YYYY-MM-DD"),
        ("ISO 8601", "yesterday", "'yesterday' is not a date in ISO 8601"),
        ("EXCEL", "-5", "'-5' is not a date in EXCEL"),
        ("EXCEL", "12/02/2018", "'12/02/2018' is not a date in EXCEL"),
    ],
)
def test_dates_that_do_not_parse(name, text, reason):
    assert refused(coercer_for("datetime", {"format": name}), text) == reason
    assert refused(coercer_for("date", {"format": name}), text) == reason


def test_date_options_are_checked_when_building():
    with pytest.raises(ValueError, match="format must be one of YYYY-MM-DD"):
        coercer_for("date", {"format": "DD-MM-YY"})
    with pytest.raises(ValueError, match="format must be one of"):
        coercer_for("datetime", {})
    with pytest.raises(ValueError, match="Unknown time zone 'Mars/Olympus'"):
        coercer_for("datetime", {"format": "YYYY-MM-DD", "time_zone": "Mars/Olympus"})


def test_olist_dates_resolve_to_day_first():
    leads = olist_column("marketing_qualified_leads.csv", "first_contact_date")
    deals = olist_column("closed_deals.csv", "won_date")

    assert detect_date_format(leads) == DateGuess("DD-MM-YYYY", candidates=("DD-MM-YYYY",))
    assert detect_date_format(deals) == DateGuess("DD-MM-YYYY", candidates=("DD-MM-YYYY",))
    coerce = coercer_for("datetime", {"format": "DD-MM-YYYY", "time_zone": "America/Sao_Paulo"})
    assert coerce(deals[0]) == datetime.datetime(
        2018, 2, 26, 19, 58, tzinfo=ZoneInfo("America/Sao_Paulo")
    )
    assert sum(1 for text in leads if coercer_for("date", {"format": "DD-MM-YYYY"})(text)) == 8000


def test_day_and_month_both_under_13_is_ambiguous(tmp_path):
    path = tmp_path / "dates.csv"
    path.write_text("when\n03-04-2018\n12-01-2019\n\n01-01-2020\n")
    with open_source(path) as source:
        samples = [row.cells[0] for row in source.rows()]

    assert detect_date_format(samples) == DateGuess(
        None, ambiguous=True, candidates=("DD-MM-YYYY", "MM-DD-YYYY")
    )


@pytest.mark.parametrize(
    ("samples", "guess"),
    [
        (["2018-02-26", "2018-03-01 10:00"], DateGuess("YYYY-MM-DD", candidates=("YYYY-MM-DD",))),
        (["2018-02-26T10:00+02:00"], DateGuess("ISO 8601", candidates=("ISO 8601",))),
        (["02/26/2018", "03/01/2018"], DateGuess("MM/DD/YYYY", candidates=("MM/DD/YYYY",))),
        (["26.02.2018"], DateGuess("DD.MM.YYYY", candidates=("DD.MM.YYYY",))),
        (["", "  "], DateGuess(None)),
        (
            ["03/04/2018", "sometime"],
            DateGuess(None, candidates=("DD/MM/YYYY", "MM/DD/YYYY"), unmatched="sometime"),
        ),
        (
            ["13-04-2018", "04-13-2018"],
            DateGuess(None, candidates=("DD-MM-YYYY",), unmatched="04-13-2018"),
        ),
    ],
)
def test_detect_date_format(samples, guess):
    assert detect_date_format(samples) == guess


def test_detection_looks_at_a_limited_number_of_samples():
    samples = ["03-04-2018"] * 5 + ["25-04-2018"]

    assert detect_date_format(samples, limit=5).ambiguous is True
    assert detect_date_format(samples, limit=6).format == "DD-MM-YYYY"


def test_every_named_format_is_documented():
    documented = (Path(__file__).parents[2] / "docs/reference/import-formats.md").read_text()

    assert [name for name in DATE_FORMATS if f"`{name}`" not in documented] == []


# Multi-value and choice ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "items"),
    [
        ("cat, wolf", ["cat", "wolf"]),
        ("a; b ;; a; c", ["a", "b", "c"]),
        ("x | y|z", ["x", "y", "z"]),
        ('"Smith; Ann"; Bob', ["Smith; Ann", "Bob"]),
        ('"Paris, France", Lyon', ["Paris, France", "Lyon"]),
        ("single", ["single"]),
        ("  ", []),
        ("", []),
    ],
)
def test_multi_values(text, items):
    assert coercer_for("multi")(text) == items


def test_multi_with_a_fixed_separator():
    assert coercer_for("multi", {"separator": "|"})("a, b|c") == ["a, b", "c"]
    with pytest.raises(ValueError, match="separator must be one of"):
        coercer_for("multi", {"separator": "/"})


ITEM = st.text(
    st.characters(blacklist_characters=';|,"', blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp")),
    min_size=1,
)


@given(st.lists(ITEM, max_size=8), st.sampled_from([";", "|", ","]), st.sampled_from(["", " "]))
def test_multi_split_undoes_join(items, separator, space):
    text = f"{separator}{space}".join(items)

    assert coercer_for("multi", {"separator": separator})(text) == list(dict.fromkeys(items))
    assert coercer_for("multi")(text) == list(dict.fromkeys(items))


def test_olist_behaviour_profiles_split():
    coerce = coercer_for("multi")
    values = Counter(
        item
        for cell in olist_column("closed_deals.csv", "lead_behaviour_profile")
        for item in coerce(cell)
    )

    assert values == {"cat": 419, "eagle": 129, "wolf": 107, "shark": 26}


def test_choice_with_synonyms():
    coerce = coercer_for(
        "choice",
        {
            "choices": ["Email", "Paid search"],
            "synonyms": {"e-mail": "Email", "PPC": "Paid search"},
        },
    )

    assert [coerce(t) for t in ["email", " EMAIL ", "E-Mail", "ppc", "paid SEARCH", ""]] == [
        "Email",
        "Email",
        "Email",
        "Paid search",
        "Paid search",
        None,
    ]
    assert refused(coerce, " fax ") == "'fax' is not one of: Email, Paid search"


def test_choice_options_are_checked_when_building():
    with pytest.raises(ValueError, match="choice needs a non-empty list"):
        coercer_for("choice", {})
    with pytest.raises(ValueError, match="synonym 'x' points to 'Fax', which is not a choice"):
        coercer_for("choice", {"choices": ["Email"], "synonyms": {"x": "Fax"}})


def test_unknown_type_is_refused():
    with pytest.raises(ValueError, match="Unknown type 'colour'; the types are text, email"):
        coercer_for("colour")


# Formula injection ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "formula"),
    [
        ('=HYPERLINK("http://evil.example","Click")', True),
        ("=1+1", True),
        ("@SUM(A1:A2)", True),
        ("+cmd|' /C calc'!A0", True),
        ("-2+3+cmd|' /C calc'!A0", True),
        ("-HYPERLINK(1)", True),
        ("\t=1+1", True),
        ("\rX", True),
        ("- buy milk", True),
        ("-12.5", False),
        ("+33 1 23 45 67", False),
        ("+1 (555) 010-2030", False),
        ("-", False),
        ("-2+3", False),
        ("Ann = Bob", False),
        ("", False),
        ("Société Générale", False),
    ],
)
def test_is_formula(text, formula):
    assert is_formula(text) is formula


# No cell crashes -----------------------------------------------------------------------------

EVERY_COERCER = [
    coercer_for("text", {"max_length": 10}),
    coercer_for("email"),
    coercer_for("integer"),
    coercer_for("decimal"),
    coercer_for("decimal", {"decimal_separator": ","}),
    coercer_for("money"),
    coercer_for("boolean"),
    *(coercer_for("datetime", {"format": name, "time_zone": "UTC"}) for name in DATE_FORMATS),
    *(coercer_for("date", {"format": name}) for name in DATE_FORMATS),
    coercer_for("multi"),
    coercer_for("choice", {"choices": ["a"]}),
]
CELL = st.one_of(
    st.text(),
    st.text(alphabet="0123456789.,-+ ()$€E:/T'\u00a0²١"),
    st.from_regex(r"[0-9]{1,2}[-/.][0-9]{1,2}[-/.][0-9]{4}( [0-9]{1,2}:[0-9]{2})?", fullmatch=True),
)


@given(CELL)
def test_any_cell_gives_a_value_or_a_coercion_error(text):
    for coerce in EVERY_COERCER:
        try:
            coerce(text)
        except CoercionError as error:
            assert error.reason


@given(st.one_of(st.emails(), st.text(alphabet="aZ09._%+-@", max_size=30)))
def test_the_email_fast_path_agrees_with_the_people_rule(text):
    from truce.people.errors import InvalidEmail
    from truce.people.normalise import email_key

    try:
        expected = email_key(text)
    except InvalidEmail:
        expected = "refused"
    try:
        got = coercer_for("email")(text)
    except CoercionError:
        got = "refused"

    assert got == expected


def test_local_times_at_a_daylight_saving_change_take_the_offset_before_it():
    coerce = coercer_for("datetime", {"format": "YYYY-MM-DD", "time_zone": "Europe/Paris"})

    gap = coerce("2018-03-25 02:30")  # clocks jumped from 02:00 to 03:00
    overlap = coerce("2018-10-28 02:30")  # clocks went back from 03:00 to 02:00

    assert gap.astimezone(UTC) == datetime.datetime(2018, 3, 25, 1, 30, tzinfo=UTC)
    assert overlap.astimezone(UTC) == datetime.datetime(2018, 10, 28, 0, 30, tzinfo=UTC)
