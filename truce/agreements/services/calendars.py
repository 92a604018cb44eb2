"""Business calendars: validated on the way in, turned into a Schedule for the arithmetic."""

import itertools
import re
import zoneinfo
from datetime import date, time
from typing import Any

import holidays
from django.db import transaction
from django.utils import timezone

from truce.identity.permissions import require
from truce.ledger import services as ledger

from ..business_time import Schedule
from ..errors import InvalidCalendar
from ..models import Calendar, DayOff

_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _parse_hours(raw: Any) -> list[tuple[time, time]]:
    if not isinstance(raw, list) or not raw:
        raise InvalidCalendar("Working hours need at least one interval.", field="hours")
    intervals = []
    for index, item in enumerate(raw):
        field = f"hours[{index}]"
        start, end = (item or {}).get("start", ""), (item or {}).get("end", "")
        if not (
            isinstance(start, str)
            and _HHMM.match(start)
            and isinstance(end, str)
            and (_HHMM.match(end) or end == "24:00")
        ):
            raise InvalidCalendar("Each interval needs a start and an end as HH:MM.", field=field)
        opens = time.fromisoformat(start)
        closes = time.max if end == "24:00" else time.fromisoformat(end)
        if closes <= opens:
            raise InvalidCalendar(f"The interval {start}–{end} ends before it starts.", field=field)
        intervals.append((opens, closes))
    intervals.sort()
    for (_, first_end), (second_start, _) in itertools.pairwise(intervals):
        if second_start < first_end:
            raise InvalidCalendar(
                f"Working hours overlap: an interval starts at {second_start:%H:%M} before the "
                f"previous one ends at {first_end:%H:%M}.",
                field="hours",
            )
    return intervals


def _check(time_zone: str, working_days: Any, hours: Any, country: str, subdivision: str) -> None:
    if time_zone not in zoneinfo.available_timezones():
        raise InvalidCalendar(f"{time_zone!r} is not a known time zone.", field="time_zone")
    if (
        not isinstance(working_days, list)
        or not working_days
        or any(not isinstance(d, int) or not 0 <= d <= 6 for d in working_days)
        or len(set(working_days)) != len(working_days)
    ):
        raise InvalidCalendar(
            "Working days are distinct numbers 0 (Monday) to 6 (Sunday).", field="working_days"
        )
    _parse_hours(hours)
    supported = holidays.list_supported_countries()
    if country and country not in supported:
        raise InvalidCalendar(
            f"No public holidays are known for {country!r}.", field="holiday_country"
        )
    if subdivision and subdivision not in supported.get(country, []):
        raise InvalidCalendar(
            f"{subdivision!r} is not a subdivision of {country!r}.", field="holiday_subdivision"
        )


@transaction.atomic
def create_calendar(
    *,
    name: str,
    time_zone: str,
    working_days: list[int],
    hours: list[dict[str, str]],
    actor: Any,
    holiday_country: str = "",
    holiday_subdivision: str = "",
) -> Calendar:
    require(actor, "configure_funnel")
    _check(time_zone, working_days, hours, holiday_country, holiday_subdivision)
    calendar = Calendar.objects.create(
        name=name.strip(),
        time_zone=time_zone,
        working_days=sorted(working_days),
        hours=hours,
        holiday_country=holiday_country,
        holiday_subdivision=holiday_subdivision,
        created_at=timezone.now(),
    )
    ledger.append(
        kind="calendar.created",
        subject_type="calendar",
        subject_id=calendar.pk,
        actor=actor,
        payload={
            "name": calendar.name,
            "time_zone": time_zone,
            "working_days": calendar.working_days,
            "hours": hours,
            "holiday_country": holiday_country,
            "holiday_subdivision": holiday_subdivision,
        },
    )
    return calendar


@transaction.atomic
def add_day_off(*, calendar: Calendar, day: date, name: str, actor: Any) -> DayOff:
    require(actor, "configure_funnel")
    if calendar.days_off.filter(day=day).exists():
        raise InvalidCalendar(f"{day} is already a day off.", field="day")
    day_off = DayOff.objects.create(calendar=calendar, day=day, name=name)
    ledger.append(
        kind="calendar.day_off_added",
        subject_type="calendar",
        subject_id=calendar.pk,
        actor=actor,
        payload={"day": day.isoformat(), "name": name},
    )
    return day_off


def schedule_for(calendar: Calendar) -> Schedule:
    return Schedule(
        time_zone=calendar.time_zone,
        working_days=frozenset(calendar.working_days),
        intervals=tuple(_parse_hours(calendar.hours)),
        holiday_country=calendar.holiday_country,
        holiday_subdivision=calendar.holiday_subdivision,
        days_off=frozenset(calendar.days_off.values_list("day", flat=True)),
    )
