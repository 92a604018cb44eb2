"""Business-time arithmetic over a calendar: when is H working hours after a moment, and how
much working time lies between two moments. Elapsed time is measured in UTC, so days on which
clocks change (DST) count their real length.

Holidays come from the maintained `holidays` library plus company days off. The interval
arithmetic itself is a few lines here: no maintained library handles zoneinfo time zones and
several intervals per day (docs/adr/0003-business-time.md).
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

# A calendar must have some working time within this many days of any moment.
HORIZON_DAYS = 3700


@lru_cache(maxsize=256)
def _public_holidays(country: str, subdivision: str, year: int) -> frozenset[date]:
    found = holidays.country_holidays(country, subdiv=subdivision or None, years=year)
    return frozenset(found.keys())


@dataclass(frozen=True)
class Schedule:
    """Working days (0 = Monday) with the same intervals each day, in one time zone."""

    time_zone: str
    working_days: frozenset[int]
    intervals: tuple[tuple[time, time], ...]
    holiday_country: str = ""
    holiday_subdivision: str = ""
    days_off: frozenset[date] = field(default_factory=frozenset)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def is_working_day(self, day: date) -> bool:
        if day.weekday() not in self.working_days or day in self.days_off:
            return False
        if self.holiday_country:
            return day not in _public_holidays(
                self.holiday_country, self.holiday_subdivision, day.year
            )
        return True

    def windows(self, day: date) -> Iterator[tuple[datetime, datetime]]:
        """The day's working intervals as UTC instants (empty on days off)."""
        if not self.is_working_day(day):
            return
        zone = self.zone
        for opens, closes in self.intervals:
            start = datetime.combine(day, opens, tzinfo=zone).astimezone(UTC)
            # time.max stands for 24:00, the midnight that ends the day.
            end_day, end_time = (
                (day + timedelta(days=1), time(0)) if closes == time.max else (day, closes)
            )
            end = datetime.combine(end_day, end_time, tzinfo=zone).astimezone(UTC)
            if end > start:
                yield start, end


def _windows_from(schedule: Schedule, moment: datetime) -> Iterator[tuple[datetime, datetime]]:
    """Working windows that end after `moment`, clipped to start no earlier than it."""
    day = moment.astimezone(schedule.zone).date() - timedelta(days=1)
    for offset in range(HORIZON_DAYS):
        for start, end in schedule.windows(day + timedelta(days=offset)):
            if end > moment:
                yield max(start, moment), end
    raise ValueError("The calendar has no working time within ten years.")


def add(schedule: Schedule, start: datetime, duration: timedelta) -> datetime:
    """The moment when `duration` of working time has passed since `start`."""
    if duration < timedelta(0):
        raise ValueError("Business durations cannot be negative.")
    remaining, moment = duration, start.astimezone(UTC)
    for window_start, window_end in _windows_from(schedule, moment):
        available = window_end - window_start
        if remaining <= available:
            return window_start + remaining if remaining else max(window_start, moment)
        remaining -= available
    raise AssertionError("unreachable: _windows_from raises past its horizon")


def between(schedule: Schedule, start: datetime, end: datetime) -> timedelta:
    """Working time from `start` to `end` (negative when `end` comes first)."""
    if end < start:
        return -between(schedule, end, start)
    total, end = timedelta(0), end.astimezone(UTC)
    for window_start, window_end in _windows_from(schedule, start.astimezone(UTC)):
        if window_start >= end:
            break
        total += min(window_end, end) - window_start
    return total


def is_working_moment(schedule: Schedule, moment: datetime) -> bool:
    day = moment.astimezone(schedule.zone).date()
    return any(
        start <= moment < end
        for offset in (-1, 0, 1)
        for start, end in schedule.windows(day + timedelta(days=offset))
    )


TimeSource = Callable[[], datetime]
