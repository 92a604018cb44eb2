"""Typed parsing of one cell's text: `coercer_for(type, options)` builds a function per column.

Every coercer takes the cell text and returns the value, `None` for a blank cell (`[]` for
`multi`), or raises `CoercionError` with a short human reason. Types and their options:

- `text`: stripped; `max_length`.
- `email`: `truce.people.normalise.email_key` (trimmed, lower-cased, validated).
- `integer`, `decimal`: `decimal_separator` "." or "," (default: auto, which refuses an
  ambiguous `1,234` or `1.234`; `detect_decimal_separator` settles a column on samples).
  Groups by `,` `.` space, no-break space or `'`; a sign or accounting parentheses
  `(12.50)`; exponent `1.5E3` without grouping. Integers up to 30 digits.
- `money`: a decimal with an optional currency symbol or ISO code before or after it,
  returned as `(Decimal, currency or None)`; `$` means `dollar` (default "USD").
- `boolean`: the spellings in `TRUE_WORDS` / `FALSE_WORDS`, case-insensitive.
- `date`, `datetime`: `format` (required) from `DATE_FORMATS`; a date-time without an offset
  is read in `time_zone` (default settings.TIME_ZONE) and returned aware. A `date` column
  accepts a time part and drops it.
- `multi`: `separator` ";" "|" or "," (default: the first of those the cell contains),
  quotes respected, items trimmed, empties and repeats dropped, order kept.
- `choice`: `choices` (the canonical values) and `synonyms` ({spelling: choice}),
  case-insensitive; returns the canonical value.

Formula injection policy. `is_formula` only detects. We recommend the engine keep the value
exactly as typed (names like `-Ann-` or `=Ltd=` are real data and a CRM must not alter what
people typed) and report each formula-looking cell in a text column as a warning with its
line and column, so the person importing sees it. Neutralising belongs to the output side:
every export to CSV/XLSX must prefix such cells with `'`. A value is a formula when it
starts with `=`, `@`, tab or CR (OWASP's list), or with `+` / `-` followed by anything but
digits, spaces and `. , ( ) / -` — so `-12.5`, `+33 1 23 45 67` and `-` are data, while
`-2+3` is too (it only does arithmetic), but `+cmd|' /C calc'!A0` and `-HYPERLINK(...)` are
formulas.
"""

import csv
import datetime
import re
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from truce.errors import DomainError
from truce.people.errors import InvalidEmail
from truce.people.normalise import email_key


class CoercionError(DomainError):
    code = "invalid_value"

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _quoted(text: str) -> str:
    """The cell as shown in a reason: quoted, and cut short when long."""
    return repr(text if len(text) <= 60 else f"{text[:57]}...")


TYPES: tuple[str, ...] = ("text", "email", "integer", "decimal", "money", "boolean")
TYPES += ("date", "datetime", "multi", "choice")

# Booleans ------------------------------------------------------------------------------------

TRUE_WORDS = ("true", "t", "yes", "y", "1", "on", "x", "sim", "s", "oui", "ja", "si", "sí")
FALSE_WORDS = ("false", "f", "no", "n", "0", "off", "não", "nao", "non", "nein")
_BOOLEANS = {**dict.fromkeys(TRUE_WORDS, True), **dict.fromkeys(FALSE_WORDS, False)}


def _boolean(options: dict[str, Any]) -> Callable[[str], bool | None]:
    def coerce(text: str) -> bool | None:
        cleaned = text.strip()
        if not cleaned:
            return None
        try:
            return _BOOLEANS[cleaned.lower()]
        except KeyError:
            reason = f"{_quoted(text)} is not yes or no (true/false, yes/no, 1/0)"
            raise CoercionError(reason) from None

    return coerce


# Numbers -------------------------------------------------------------------------------------

_PLAIN = re.compile(r"[+-]?\d+(?:\.\d+)?")
_AMBIGUOUS = re.compile(r"[+-]?[1-9]\d{0,2}[.,]\d{3}")  # 1.234: a thousand or one and a bit?
_SPACES = re.compile(r"[ \u00a0\u202f\u2009']")
_NUMBER = re.compile(r"(?P<sign>[+-]?)(?P<digits>[\d.,]+)(?P<exp>[eE][+-]?\d{1,3})?")
_GROUPED = {".": re.compile(r"\d{1,3}(?:,\d{3})+"), ",": re.compile(r"\d{1,3}(?:\.\d{3})+")}
_OTHER = {".": ",", ",": "."}


def _number_text(text: str, separator: str | None) -> str:
    """The cell as a plain `-1234.5` string, or a CoercionError."""
    cleaned = text.strip()
    if _PLAIN.fullmatch(cleaned) and (
        separator == "." or (separator is None and not _AMBIGUOUS.fullmatch(cleaned))
    ):
        return cleaned
    negative = cleaned.startswith("(") and cleaned.endswith(")")
    body = _SPACES.sub("", cleaned[1:-1] if negative else cleaned)
    spaced = body != (cleaned[1:-1] if negative else cleaned)
    match = _NUMBER.fullmatch(body)
    if not match:
        raise CoercionError(f"{_quoted(text)} is not a number")
    digits, exp = match["digits"], match["exp"] or ""
    sep = separator or _guess_separator(text, digits, spaced)
    other = _OTHER[sep]
    whole, mark, fraction = digits.rpartition(sep) if sep in digits else (digits, "", "")
    if other in fraction or (other in whole and not _GROUPED[sep].fullmatch(whole)):
        raise CoercionError(f"{_quoted(text)} is not a number (digit groups are misplaced)")
    whole = whole.replace(other, "") or ("0" if fraction else "")
    if not whole.isdigit() or (mark and not fraction.isdigit()) or (exp and other in digits):
        raise CoercionError(f"{_quoted(text)} is not a number")
    sign = "-" if negative or match["sign"] == "-" else ""
    return f"{sign}{whole}.{fraction}{exp}" if fraction else f"{sign}{whole}{exp}"


def _guess_separator(text: str, digits: str, spaced: bool) -> str:
    dot, comma = digits.rfind("."), digits.rfind(",")
    if dot >= 0 and comma >= 0:
        return "." if dot > comma else ","
    if dot < 0 and comma < 0:
        return "."
    mark = "." if dot >= 0 else ","
    if digits.count(mark) > 1:
        return _OTHER[mark]
    whole, _, fraction = digits.partition(mark)
    if len(fraction) != 3 or not _AMBIGUOUS.fullmatch(f"{whole}{mark}{fraction}") or spaced:
        return mark
    raise CoercionError(
        f"{_quoted(text)} is ambiguous: set the decimal separator ('.' or ',') for this column"
    )


def _decimal_value(text: str, separator: str | None) -> Decimal:
    value = Decimal(_number_text(text, separator))
    if not value.is_finite():
        raise CoercionError(f"{_quoted(text)} is not a number")
    return value


def _decimal(options: dict[str, Any]) -> Callable[[str], Decimal | None]:
    separator = _separator_option(options)

    def coerce(text: str) -> Decimal | None:
        if not text or text.isspace():
            return None
        return _decimal_value(text, separator)

    return coerce


def _integer(options: dict[str, Any]) -> Callable[[str], int | None]:
    separator = _separator_option(options)

    def coerce(text: str) -> int | None:
        if not text or text.isspace():
            return None
        if text.isdecimal() and len(text) < 19:
            return int(text)
        value = _decimal_value(text, separator)
        if value != value.to_integral_value():
            raise CoercionError(f"{_quoted(text)} is not a whole number")
        if value.adjusted() >= 30:
            raise CoercionError(f"{_quoted(text)} is too large for a whole number")
        return int(value)

    return coerce


def detect_decimal_separator(samples: Iterable[str], *, limit: int = 1000) -> str | None:
    """ "." or "," when exactly one of them reads every non-blank sample as a number, else None
    (both fit, as in a column of `1,234` and `12`, or neither: leave the column on auto)."""
    fitting, seen = [".", ","], 0
    for sample in samples:
        if not sample or sample.isspace():
            continue
        fitting = [sep for sep in fitting if _is_number(sample, sep)]
        seen += 1
        if not fitting or seen >= limit:
            break
    return fitting[0] if len(fitting) == 1 else None


def _is_number(text: str, separator: str) -> bool:
    try:
        _decimal_value(text, separator)
    except CoercionError:
        return False
    return True


def _separator_option(options: dict[str, Any]) -> str | None:
    separator = options.get("decimal_separator")
    if separator not in (None, ".", ","):
        raise ValueError(f"decimal_separator must be '.' or ',', not {separator!r}")
    return separator


CURRENCY_SYMBOLS = {"R$": "BRL", "US$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR"}
CURRENCY_SYMBOLS |= {"CHF": "CHF", "kr": "SEK", "zł": "PLN"}
_SYMBOLS = "|".join(re.escape(s) for s in sorted([*CURRENCY_SYMBOLS, "$"], key=len, reverse=True))
_PREFIX = re.compile(rf"([+-]?)\s*({_SYMBOLS}|[A-Za-z]{{3}})\s*")
_SUFFIX = re.compile(rf"\s*({_SYMBOLS}|[A-Za-z]{{3}})")
_AMOUNT_END = frozenset("0123456789)")


def _money(options: dict[str, Any]) -> Callable[[str], tuple[Decimal, str | None] | None]:
    separator = _separator_option(options)
    dollar = options.get("dollar", "USD")

    def currency(symbol: str) -> str:
        return dollar if symbol == "$" else CURRENCY_SYMBOLS.get(symbol, symbol.upper())

    def coerce(text: str) -> tuple[Decimal, str | None] | None:
        amount = text.strip()
        if not amount:
            return None
        symbol, negative = None, False
        prefix = _PREFIX.match(amount)
        if prefix:
            negative, symbol, amount = prefix[1] == "-", prefix[2], amount[prefix.end() :]
        if amount and amount[-1] not in _AMOUNT_END:
            suffix = _SUFFIX.search(amount, max(0, len(amount) - 4))
            if symbol or not suffix or suffix.end() != len(amount):
                raise CoercionError(f"{_quoted(text)} is not an amount of money")
            symbol, amount = suffix[1], amount[: suffix.start()].rstrip()
        if not amount:
            raise CoercionError(f"{_quoted(text)} is not an amount of money")
        try:
            value = _decimal_value(amount, separator)
        except CoercionError as error:
            if "ambiguous" in error.reason:
                raise
            raise CoercionError(f"{_quoted(text)} is not an amount of money") from None
        return (-value if negative else value), (currency(symbol) if symbol else None)

    return coerce


# Dates ---------------------------------------------------------------------------------------

_TIME = r"(?:[ T](?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.(?P<f>\d{1,6}))?)?)?"
_DAY, _MONTH, _YEAR = r"(?P<d>\d{1,2})", r"(?P<m>\d{1,2})", r"(?P<y>\d{4})"


def _format(order: str, sep: str) -> re.Pattern[str]:
    parts = {"D": _DAY, "M": _MONTH, "Y": _YEAR}
    return re.compile(re.escape(sep).join(parts[p] for p in order) + _TIME)


DATE_FORMATS: dict[str, re.Pattern[str] | None] = {
    "YYYY-MM-DD": _format("YMD", "-"),
    "YYYY/MM/DD": _format("YMD", "/"),
    "DD-MM-YYYY": _format("DMY", "-"),
    "MM-DD-YYYY": _format("MDY", "-"),
    "DD/MM/YYYY": _format("DMY", "/"),
    "MM/DD/YYYY": _format("MDY", "/"),
    "DD.MM.YYYY": _format("DMY", "."),
    "ISO 8601": None,  # datetime.fromisoformat, with or without an offset
    "EXCEL": None,  # serial day numbers, 1 = 1900-01-01 (Excel's 1900 date system)
}
_EXCEL_EPOCH = datetime.datetime(1899, 12, 30)


def _parse_datetime(text: str, name: str, zone: datetime.tzinfo | None = None) -> datetime.datetime:
    """The cell as a date-time; naive ones get `zone` (None: stay naive)."""
    pattern = DATE_FORMATS[name]
    try:
        if pattern is not None:
            match = pattern.fullmatch(text)
            if match:
                y, m, d, hour, minute, second, fraction = match.group(*"ymdHMSf")
                return datetime.datetime(
                    int(y), int(m), int(d),
                    int(hour) if hour else 0, int(minute) if minute else 0,
                    int(second) if second else 0, int(fraction.ljust(6, "0")) if fraction else 0,
                    zone,
                )  # fmt: skip
        elif name == "ISO 8601":
            value = datetime.datetime.fromisoformat(text)
            return value if value.tzinfo else value.replace(tzinfo=zone)
        elif _PLAIN.fullmatch(text) and 0 < float(text) < 2958466:
            value = _EXCEL_EPOCH + datetime.timedelta(days=float(text))
            return value.replace(tzinfo=zone)
    except ValueError:
        pass
    raise CoercionError(f"{_quoted(text)} is not a date in {name}")


def _zone(options: dict[str, Any]) -> ZoneInfo:
    from django.conf import settings

    name = options.get("time_zone") or settings.TIME_ZONE
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"Unknown time zone {name!r}") from None


def _date_format_option(options: dict[str, Any]) -> str:
    name = options.get("format")
    if name not in DATE_FORMATS:
        raise ValueError(f"format must be one of {', '.join(DATE_FORMATS)}, not {name!r}")
    return name


def _datetime(options: dict[str, Any]) -> Callable[[str], datetime.datetime | None]:
    name, zone = _date_format_option(options), _zone(options)

    def coerce(text: str) -> datetime.datetime | None:
        cleaned = text.strip()
        if not cleaned:
            return None
        return _parse_datetime(cleaned, name, zone)

    return coerce


def _date(options: dict[str, Any]) -> Callable[[str], datetime.date | None]:
    name = _date_format_option(options)

    def coerce(text: str) -> datetime.date | None:
        cleaned = text.strip()
        return _parse_datetime(cleaned, name).date() if cleaned else None

    return coerce


class DateGuess(NamedTuple):
    format: str | None
    ambiguous: bool = False
    candidates: tuple[str, ...] = ()
    unmatched: str | None = None


_DETECTABLE = [name for name in DATE_FORMATS if name != "EXCEL"]


def detect_date_format(samples: Iterable[str], *, limit: int = 1000) -> DateGuess:
    """The one named format that parses every non-blank sample, or why there is not one.

    Several fitting formats are ambiguous only when they order day and month differently
    (`03-04-2018`); `YYYY-MM-DD` is preferred over `ISO 8601` when both fit.
    """
    remaining, seen, first = list(_DETECTABLE), 0, None
    for sample in samples:
        text = sample.strip()
        if not text:
            continue
        first = first or text
        fitting = [name for name in remaining if _parses(text, name)]
        if not fitting:
            return DateGuess(None, candidates=tuple(remaining), unmatched=text)
        remaining, seen = fitting, seen + 1
        if seen >= limit:
            break
    if first is None:
        return DateGuess(None)
    if "YYYY-MM-DD" in remaining and "ISO 8601" in remaining:
        remaining.remove("ISO 8601")
    if len(remaining) == 1:
        return DateGuess(remaining[0], candidates=tuple(remaining))
    return DateGuess(None, ambiguous=True, candidates=tuple(remaining))


def _parses(text: str, name: str) -> bool:
    try:
        _parse_datetime(text, name)
    except CoercionError:
        return False
    return True


# Text, email, multi, choice ------------------------------------------------------------------


def _text(options: dict[str, Any]) -> Callable[[str], str | None]:
    max_length = options.get("max_length")

    def coerce(text: str) -> str | None:
        cleaned = text.strip()
        if max_length is not None and len(cleaned) > max_length:
            raise CoercionError(f"text of {len(cleaned)} characters is over {max_length}")
        return cleaned or None

    return coerce


# The common shape of an address, a strict subset of what Django's validate_email accepts (a
# property test checks this), so most cells skip the slower full validation in email_key.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_COMMON_EMAIL = re.compile(
    rf"[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*@{_LABEL}(?:\.{_LABEL})*\.[A-Za-z]{{2,63}}"
)


def _email(options: dict[str, Any]) -> Callable[[str], str | None]:
    def coerce(text: str) -> str | None:
        cleaned = text.strip()
        if len(cleaned) <= 254 and _COMMON_EMAIL.fullmatch(cleaned):
            return cleaned.lower()
        try:
            return email_key(text)
        except InvalidEmail:
            raise CoercionError(f"{_quoted(text.strip())} is not an email address") from None

    return coerce


MULTI_SEPARATORS = (";", "|", ",")


def _multi(options: dict[str, Any]) -> Callable[[str], list[str]]:
    fixed = options.get("separator")
    if fixed not in (None, *MULTI_SEPARATORS):
        raise ValueError(f"separator must be one of ; | , not {fixed!r}")

    def coerce(text: str) -> list[str]:
        separator = fixed or (";" if ";" in text else "|" if "|" in text else ",")
        if '"' in text:
            items = next(csv.reader([text], delimiter=separator, skipinitialspace=True), [])
        elif separator in text:
            items = text.split(separator)
        else:
            single = text.strip()
            return [single] if single else []
        return list(dict.fromkeys(filter(None, map(str.strip, items))))

    return coerce


def _choice(options: dict[str, Any]) -> Callable[[str], str | None]:
    choices = list(options.get("choices") or ())
    if not choices:
        raise ValueError("choice needs a non-empty list of choices")
    known = {choice.casefold(): choice for choice in choices}
    for spelling, choice in (options.get("synonyms") or {}).items():
        if choice not in choices:
            raise ValueError(f"synonym {spelling!r} points to {choice!r}, which is not a choice")
        known[spelling.strip().casefold()] = choice
    listed = ", ".join(choices)

    def coerce(text: str) -> str | None:
        cleaned = text.strip()
        if not cleaned:
            return None
        try:
            return known[cleaned.casefold()]
        except KeyError:
            raise CoercionError(f"{_quoted(cleaned)} is not one of: {listed}") from None

    return coerce


_BUILDERS: dict[str, Callable[[dict[str, Any]], Callable[[str], Any]]] = {
    "text": _text,
    "email": _email,
    "integer": _integer,
    "decimal": _decimal,
    "money": _money,
    "boolean": _boolean,
    "date": _date,
    "datetime": _datetime,
    "multi": _multi,
    "choice": _choice,
}


def coercer_for(type_: str, options: dict[str, Any] | None = None) -> Callable[[str], Any]:
    """Build the coercer for one column once; a bad type or option is a ValueError here."""
    try:
        builder = _BUILDERS[type_]
    except KeyError:
        raise ValueError(f"Unknown type {type_!r}; the types are {', '.join(TYPES)}") from None
    return builder(options or {})


# Formula injection ---------------------------------------------------------------------------

_FORMULA_START = ("=", "@", "\t", "\r", "+", "-")
_ARITHMETIC = re.compile(r"[+-][\d\s.,()/+-]*")


def is_formula(text: str) -> bool:
    """Would a spreadsheet run this cell as a formula that does more than arithmetic?"""
    if not text.startswith(_FORMULA_START):
        return False
    return not (text[0] in "+-" and _ARITHMETIC.fullmatch(text))
