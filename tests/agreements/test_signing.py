from datetime import date

import pytest

from truce.agreements.errors import InvalidCalendar, InvalidCommitment
from truce.agreements.models import Agreement, Calendar
from truce.agreements.selectors import agreement_in_force
from truce.agreements.services import calendars, signing
from truce.errors import Conflict, PermissionDenied
from truce.identity.models import Role
from truce.identity.signing import VersionClosed
from truce.ledger.models import Event


def test_an_agreement_with_one_signature_is_not_in_force(make_agreement, owners):
    agreement = make_agreement(sign=False)

    signing.sign_agreement(agreement=agreement, actor=owners[1])

    agreement.refresh_from_db()
    assert agreement.sales_signed_by == owners[1]
    assert agreement.in_force_from is None
    assert agreement_in_force() is None


def test_the_second_signature_puts_it_in_force_and_supersedes_the_previous(make_agreement):
    first = make_agreement()
    second = make_agreement(title="Tighter SLA")

    first.refresh_from_db()
    assert first.superseded_at is not None
    assert agreement_in_force().pk == second.pk
    kinds = list(Event.objects.filter(subject_type="agreement").values_list("kind", flat=True))
    assert kinds[-4:] == [
        "agreement.signed",
        "agreement.signed",
        "agreement.superseded",
        "agreement.in_force",
    ]


@pytest.mark.parametrize("role", [Role.ADMIN, Role.MARKETER, Role.SALES_REP, Role.VIEWER])
def test_only_the_two_owners_sign(make_agreement, make_user, role):
    agreement = make_agreement(sign=False)
    someone = make_user(role)
    before = Event.objects.count()

    with pytest.raises(PermissionDenied):
        signing.sign_agreement(agreement=agreement, actor=someone)

    agreement.refresh_from_db()
    assert (agreement.marketing_signed_by, agreement.sales_signed_by) == (None, None)
    assert Event.objects.count() == before


def test_signing_twice_or_signing_an_agreement_in_force_is_refused(make_agreement, owners):
    pending = make_agreement(sign=False)
    signing.sign_agreement(agreement=pending, actor=owners[0])
    with pytest.raises(Conflict):
        signing.sign_agreement(agreement=pending, actor=owners[0])

    in_force = make_agreement()
    with pytest.raises(Conflict):
        signing.sign_agreement(agreement=in_force, actor=owners[0])


def test_an_older_version_cannot_come_into_force_over_a_newer_one(make_agreement, owners):
    older = make_agreement(sign=False)
    newer = make_agreement(title="Newer SLA")
    before = Event.objects.count()

    with pytest.raises(VersionClosed) as exc:
        signing.sign_agreement(agreement=older, actor=owners[0])

    assert exc.value.message == (
        "Version 1 is older than version 2, which is in force; propose a new version instead."
    )
    older.refresh_from_db()
    assert older.marketing_signed_by is None
    assert agreement_in_force().pk == newer.pk
    assert Event.objects.count() == before


@pytest.mark.parametrize(
    ("commitment", "field"),
    [
        ({"kind": "mql_volume"}, "commitments[0].target"),
        ({"kind": "mql_volume", "target": -5}, "commitments[0].target"),
        ({"kind": "acceptance_rate", "target": 120}, "commitments[0].target"),
        ({"kind": "first_touch", "target": 100}, "commitments[0].hours"),
        ({"kind": "touches", "target": 3, "days": 0}, "commitments[0].days"),
        ({"kind": "touches", "target": 0, "days": 7}, "commitments[0].target"),
        ({"kind": "telepathy", "target": 1}, "commitments[0].kind"),
        ({"kind": "mql_volume", "target": "lots"}, "commitments[0].target"),
        (
            {"kind": "mql_volume", "target": 5, "escalate_after_hours": 3},
            "commitments[0].escalate_after_hours",
        ),
    ],
)
def test_bad_commitments_are_refused_and_nothing_is_created(make_agreement, commitment, field):
    with pytest.raises(InvalidCommitment) as exc:
        make_agreement([commitment], sign=False)

    assert exc.value.field == field
    assert Agreement.objects.count() == 0


def test_an_agreement_without_commitments_or_ending_before_it_starts_is_refused(make_agreement):
    with pytest.raises(InvalidCommitment):
        make_agreement([], sign=False)
    with pytest.raises(InvalidCommitment) as exc:
        make_agreement(sign=False, effective_from=date(2026, 2, 1), effective_to=date(2026, 1, 1))
    assert exc.value.field == "effective_to"


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"hours": [{"start": "09:00", "end": "13:00"}, {"start": "12:00", "end": "17:00"}]},
            "hours",
            "Working hours overlap: an interval starts at 12:00 before the previous one "
            "ends at 13:00.",
        ),
        (
            {"hours": [{"start": "17:00", "end": "09:00"}]},
            "hours[0]",
            "The interval 17:00–09:00 ends before it starts.",
        ),
        (
            {"hours": [{"start": "9am", "end": "5pm"}]},
            "hours[0]",
            "Each interval needs a start and an end as HH:MM.",
        ),
        ({"hours": []}, "hours", "Working hours need at least one interval."),
        ({"time_zone": "Mars/Olympus"}, "time_zone", "'Mars/Olympus' is not a known time zone."),
        (
            {"working_days": [0, 7]},
            "working_days",
            "Working days are distinct numbers 0 (Monday) to 6 (Sunday).",
        ),
        (
            {"working_days": []},
            "working_days",
            "Working days are distinct numbers 0 (Monday) to 6 (Sunday).",
        ),
        ({"holiday_country": "XX"}, "holiday_country", "No public holidays are known for 'XX'."),
    ],
)
def test_bad_calendars_are_refused_with_a_clear_message(owners, fields, field, message):
    values = {
        "name": "Paris office",
        "time_zone": "Europe/Paris",
        "working_days": [0, 1, 2, 3, 4],
        "hours": [{"start": "09:00", "end": "17:00"}],
        **fields,
    }

    with pytest.raises(InvalidCalendar) as exc:
        calendars.create_calendar(actor=owners[0], **values)

    assert (exc.value.field, exc.value.message) == (field, message)
    assert Calendar.objects.count() == 0


def test_a_calendar_with_holidays_and_days_off_feeds_the_schedule(owners):
    calendar = calendars.create_calendar(
        name="Paris",
        time_zone="Europe/Paris",
        working_days=[0, 1, 2, 3, 4],
        hours=[{"start": "09:00", "end": "12:00"}, {"start": "13:00", "end": "17:00"}],
        holiday_country="FR",
        actor=owners[0],
    )
    calendars.add_day_off(
        calendar=calendar, day=date(2026, 12, 24), name="Christmas Eve", actor=owners[0]
    )

    schedule = calendars.schedule_for(calendar)

    assert not schedule.is_working_day(date(2026, 12, 24))
    assert not schedule.is_working_day(date(2026, 12, 25))  # public holiday
    assert schedule.is_working_day(date(2026, 12, 23))
