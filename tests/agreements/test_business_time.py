from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from truce.agreements.business_time import Schedule, add, between, is_working_moment

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
SPLIT_DAY = ((time(9), time(12)), (time(13), time(17)))


def paris(*args):
    return datetime(*args, tzinfo=PARIS)


def schedule(zone="Europe/Paris", days=range(5), intervals=SPLIT_DAY, country="FR", off=()):
    return Schedule(zone, frozenset(days), intervals, country, "", frozenset(off))


def test_assignment_at_23_59_on_a_friday_is_due_on_monday():
    due = add(schedule(), paris(2026, 11, 27, 23, 59), timedelta(hours=4))

    # Monday: 09:00-12:00 is three hours, the fourth ends at 14:00 after lunch.
    assert due == paris(2026, 11, 30, 14, 0)


def test_lunch_breaks_and_evenings_are_skipped():
    assert add(schedule(), paris(2026, 11, 24, 11, 30), timedelta(hours=1)) == paris(
        2026, 11, 24, 13, 30
    )
    assert add(schedule(), paris(2026, 11, 24, 16, 0), timedelta(hours=2)) == paris(
        2026, 11, 25, 10, 0
    )


def test_public_holidays_from_the_library_are_days_off():
    # 14 July 2026 (Tuesday) is France's national day.
    assert add(schedule(), paris(2026, 7, 13, 16, 0), timedelta(hours=2)) == paris(
        2026, 7, 15, 10, 0
    )
    # Without the country the same Tuesday is a working day.
    assert add(schedule(country=""), paris(2026, 7, 13, 16, 0), timedelta(hours=2)) == paris(
        2026, 7, 14, 10, 0
    )


def test_company_days_off_are_skipped():
    plan = schedule(off=[date(2026, 11, 30)])
    assert add(plan, paris(2026, 11, 27, 17, 0), timedelta(hours=1)) == paris(2026, 12, 1, 10, 0)


def test_daylight_saving_start_keeps_local_opening_hours():
    # Clocks go forward on Sunday 29 March 2026 in Paris: Friday 17:00 CET + 7 working hours
    # is Monday 17:00 CEST, and only 7 real hours of work lie between them.
    start = paris(2026, 3, 27, 17, 0)
    due = add(schedule(), start, timedelta(hours=7))

    assert due == paris(2026, 3, 30, 17, 0)
    assert due.astimezone(PARIS).utcoffset() == timedelta(hours=2)
    assert between(schedule(), start, due) == timedelta(hours=7)


def test_a_calendar_open_through_a_dst_night_counts_the_real_length():
    # New York, 8 March 2026 02:00 -> 03:00: a 00:00-06:00 shift that night lasts 5 hours.
    night = schedule("America/New_York", days=range(7), intervals=((time(0), time(6)),), country="")
    start = datetime(2026, 3, 8, 0, 0, tzinfo=NEW_YORK)

    assert between(night, start, datetime(2026, 3, 8, 6, 0, tzinfo=NEW_YORK)) == timedelta(hours=5)


def test_time_zones_are_respected():
    new_york = schedule("America/New_York", intervals=((time(9), time(17)),), country="US")
    start = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)  # 09:00 in New York

    assert add(new_york, start, timedelta(hours=8)) == datetime(2026, 11, 24, 22, 0, tzinfo=UTC)


def test_between_is_negative_when_reversed_and_zero_outside_hours():
    plan = schedule()
    assert between(plan, paris(2026, 11, 24, 10), paris(2026, 11, 24, 9)) == -timedelta(hours=1)
    assert between(plan, paris(2026, 11, 28, 10), paris(2026, 11, 29, 18)) == timedelta(0)


def test_is_working_moment():
    plan = schedule()
    assert is_working_moment(plan, paris(2026, 11, 24, 9, 0))
    assert not is_working_moment(plan, paris(2026, 11, 24, 12, 30))
    assert not is_working_moment(plan, paris(2026, 11, 28, 10, 0))


def test_negative_durations_and_calendars_without_working_time_are_refused():
    with pytest.raises(ValueError):
        add(schedule(), paris(2026, 11, 24, 9), timedelta(hours=-1))
    with pytest.raises(ValueError, match="no working time"):
        add(schedule(days=[]), paris(2026, 11, 24, 9), timedelta(hours=1))


ZONES = ["Europe/Paris", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "UTC"]
moments = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)
durations = st.integers(min_value=0, max_value=60 * 60 * 24 * 30).map(
    lambda s: timedelta(seconds=s)
)
schedules = st.builds(
    lambda zone, days, country: schedule(zone, days, SPLIT_DAY, country),
    st.sampled_from(ZONES),
    st.sets(st.integers(0, 6), min_size=1),
    st.sampled_from(["", "FR", "US", "IN"]),
)


@settings(max_examples=300, deadline=None)
@given(plan=schedules, start=moments, duration=durations)
def test_the_working_time_between_start_and_due_is_the_duration(plan, start, duration):
    due = add(plan, start, duration)

    assert due >= start
    assert between(plan, start, due) == duration


@settings(max_examples=200, deadline=None)
@given(plan=schedules, start=moments, a=durations, b=durations.filter(lambda d: d > timedelta(0)))
def test_add_is_monotone_and_composes(plan, start, a, b):
    short, long = sorted([a, b])
    assert add(plan, start, short) <= add(plan, start, long)
    # (A zero second step would move a due time at closing to the next opening.)
    assert add(plan, add(plan, start, a), b) == add(plan, start, a + b)


@settings(max_examples=200, deadline=None)
@given(plan=schedules, a=moments, b=moments, c=moments)
def test_between_is_additive(plan, a, b, c):
    assert between(plan, a, b) + between(plan, b, c) == between(plan, a, c)


@settings(max_examples=200, deadline=None)
@given(plan=schedules, start=moments, duration=durations.filter(lambda d: d > timedelta(0)))
def test_a_positive_due_time_ends_inside_or_at_the_end_of_working_time(plan, start, duration):
    due = add(plan, start, duration)
    assert is_working_moment(plan, due - timedelta(microseconds=1))
