"""Calendar arithmetic on plan periods: where one ends, which came before, how many weeks."""

from datetime import date
from decimal import Decimal

from truce.errors import DomainError

from .models import PeriodKind

MONTHS = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3}


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def check_start(*, kind: str, start: date) -> date:
    """The first day of a month, and for a quarter the first day of January, April, July or
    October: plans of one kind then line up, so "the previous period" is unambiguous."""
    if kind not in MONTHS:
        raise DomainError(f"{kind!r} is not a period (month, quarter).", field="period_kind")
    if start.day != 1 or (kind == PeriodKind.QUARTER and (start.month - 1) % 3):
        what = "a quarter (1 Jan, 1 Apr, 1 Jul, 1 Oct)" if kind == PeriodKind.QUARTER else "a month"
        raise DomainError(f"A plan starts on the first day of {what}.", field="period_start")
    return start


def period_end(*, kind: str, start: date) -> date:
    """The first day after the period (periods are half-open)."""
    return _add_months(start, MONTHS[PeriodKind(kind)])


def previous_start(*, kind: str, start: date) -> date:
    return _add_months(start, -MONTHS[PeriodKind(kind)])


def days_in(*, kind: str, start: date) -> int:
    return (period_end(kind=kind, start=start) - start).days


def weeks_in(*, kind: str, start: date) -> Decimal:
    """Exact calendar weeks: days ÷ 7 (a 90-day quarter is 12.857… weeks)."""
    return Decimal(days_in(kind=kind, start=start)) / Decimal(7)
