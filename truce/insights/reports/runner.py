"""Run a report by name: check the query, open the facts it asks for (live, or as of a past
moment, built from the ledger) and call the report. The CLI, the API and the pages all come
here, so they refuse the same things the same way."""

from datetime import datetime, time, timedelta
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from ..errors import InvalidReportQuery, UnknownReport
from ..facts.source import LIVE, facts_as_of
from .base import LIVE_ONLY, REPORTS, Query, Table

OPTIONS = {"model", "half_life_days", "value", "period"}


def run_report(name: str, query: Query) -> Table:
    report = REPORTS.get(name)
    if report is None:
        raise UnknownReport(f"There is no report called {name!r}.", field="name")
    _check(query)
    if query.as_of is not None and name in LIVE_ONLY:
        message = f"The {name} report reads the live records; it has no as-of view."
        raise InvalidReportQuery(message, field="as_of")
    if query.as_of is None:
        return report(query, LIVE)
    with facts_as_of(query.as_of) as source:
        return report(query, source)


def _check(query: Query) -> None:
    if query.start and query.end and query.start >= query.end:
        raise InvalidReportQuery("The start must be before the end.", field="from")
    if query.as_of and query.as_of > timezone.now():
        raise InvalidReportQuery("As of must not be in the future.", field="as_of")
    unknown = sorted(set(query.options) - OPTIONS)
    if unknown:
        raise InvalidReportQuery(f"Unknown option {unknown[0]!r}.", field=unknown[0])


def parse_moment(text: str | None, field: str, *, end_of_day: bool = False) -> datetime | None:
    """A date (2026-11-01, midnight in the site's time zone; with `end_of_day`, the next
    midnight, so `--to 2026-11-30` includes that day) or an ISO datetime; blank is None."""
    if not text:
        return None
    text = text.strip()
    try:
        moment = parse_datetime(text) if "T" in text or " " in text else None
        day = None if moment else parse_date(text)
    except ValueError:
        moment = day = None
    if moment is None and day is None:
        raise InvalidReportQuery(f"{text!r} is not a date (2026-11-30) or a datetime.", field=field)
    if day is not None:
        moment = datetime.combine(day + timedelta(days=int(end_of_day)), time())
    assert moment is not None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def build_query(
    *, by: str | None, start: str | None, end: str | None, as_of: str | None, **options: Any
) -> Query:
    """A Query from what a person typed (CLI, form, query string); blanks are left out."""
    return Query(
        by=by or None,
        start=parse_moment(start, "from"),
        end=parse_moment(end, "to", end_of_day=True),
        as_of=parse_moment(as_of, "as_of"),
        options={k: v for k, v in options.items() if v not in (None, "")},
    )


def catalogue() -> list[dict[str, str]]:
    """Every registered report: its name and title (the docstring's first line)."""
    return [
        {"name": name, "title": (report.__doc__ or name).strip().splitlines()[0]}
        for name, report in sorted(REPORTS.items())
    ]
