"""The periods a scoreboard covers: a month, a quarter or an ISO week, in the site's time zone."""

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from truce.errors import DomainError

from ..models import Period


class InvalidPeriod(DomainError):
    code = "invalid_period"
    status = 422


# Periods


@dataclass(frozen=True)
class BoardPeriod:
    kind: str  # week, month or quarter
    key: str  # 2026-W48, 2026-11, 2026-Q4
    label: str
    start: datetime  # inclusive, in the site's time zone
    end: datetime  # exclusive

    def elapsed_share(self, now: datetime) -> Decimal:
        """How much of the period has passed, from 0 to 1."""
        if now <= self.start:
            return Decimal(0)
        if now >= self.end:
            return Decimal(1)
        share = Decimal((now - self.start) / (self.end - self.start))
        return share.quantize(Decimal("0.0001"))

    def neighbours(self) -> tuple[str, str]:
        before = period_containing(self.kind, self.start - timedelta(days=1))
        after = period_containing(self.kind, self.end + timedelta(hours=1))
        return before.key, after.key


_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q(\d)$", re.IGNORECASE)
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$", re.IGNORECASE)
PERIOD_HELP = "a month (2026-11), a quarter (2026-Q4) or an ISO week (2026-W48)"


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day))


def _month(year: int, month: int) -> BoardPeriod:
    start = date(year, month, 1)
    end = date(year + month // 12, month % 12 + 1, 1)
    label = start.strftime("%B %Y")
    return BoardPeriod(Period.MONTH, f"{year}-{month:02d}", label, _midnight(start), _midnight(end))


def _quarter(year: int, quarter: int) -> BoardPeriod:
    first = _month(year, 3 * quarter - 2)
    last = _month(year, 3 * quarter)
    return BoardPeriod(
        Period.QUARTER, f"{year}-Q{quarter}", f"Q{quarter} {year}", first.start, last.end
    )


def _week(year: int, week: int) -> BoardPeriod:
    monday = date.fromisocalendar(year, week, 1)
    label = f"Week {week} of {year} (from {monday:%d %b})"
    start = _midnight(monday)
    return BoardPeriod(
        Period.WEEK, f"{year}-W{week:02d}", label, start, _midnight(monday + timedelta(days=7))
    )


def parse_period(text: str | None, *, now: datetime | None = None) -> BoardPeriod:
    """`2026-11`, `2026-Q4` or `2026-W48`; nothing means the current month."""
    text = (text or "").strip()
    if not text:
        return period_containing(Period.MONTH, now or timezone.now())
    try:
        if m := _MONTH.match(text):
            return _month(int(m[1]), int(m[2]))
        if m := _QUARTER.match(text):
            if not 1 <= int(m[2]) <= 4:
                raise ValueError
            return _quarter(int(m[1]), int(m[2]))
        if m := _WEEK.match(text):
            return _week(int(m[1]), int(m[2]))
    except ValueError:
        pass
    raise InvalidPeriod(f"{text[:40]!r} is not a period: give {PERIOD_HELP}.", field="period")


def period_containing(kind: str, moment: datetime) -> BoardPeriod:
    day = timezone.localtime(moment).date()
    if kind == Period.WEEK:
        year, week, _ = day.isocalendar()
        return _week(year, week)
    if kind == Period.QUARTER:
        return _quarter(day.year, (day.month - 1) // 3 + 1)
    return _month(day.year, day.month)
