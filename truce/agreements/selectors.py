from datetime import datetime, timedelta
from typing import Any

from django.db.models import Prefetch, QuerySet

from truce.errors import NotFound

from . import business_time
from .models import Agreement, Calendar, Clock, Commitment


def agreement_in_force(*, at: datetime | None = None) -> Agreement | None:
    """The signed version in force now (or at `at`), with its commitments and calendar."""
    qs = Agreement.objects.filter(in_force_from__isnull=False).select_related("calendar")
    if at is None:
        qs = qs.filter(superseded_at__isnull=True)
    else:
        qs = qs.filter(in_force_from__lte=at).exclude(superseded_at__lte=at)
    return qs.prefetch_related("commitments").order_by("-version").first()


def agreements(*, user: Any = None) -> QuerySet[Agreement]:
    commitments = Commitment.objects.order_by("team", "pk")
    return Agreement.objects.select_related(
        "calendar", "marketing_signed_by", "sales_signed_by", "created_by"
    ).prefetch_related(Prefetch("commitments", queryset=commitments))


def status(agreement: Agreement) -> str:
    if agreement.superseded_at is not None:
        return "superseded"
    return "in_force" if agreement.in_force_from is not None else "awaiting_signatures"


def get_agreement(*, version: int) -> Agreement:
    found = agreements().filter(version=version).first()
    if found is None:
        raise NotFound(f"No agreement version {version}.", field="version")
    return found


def calendars() -> QuerySet[Calendar]:
    return Calendar.objects.prefetch_related("days_off").order_by("name")


def get_calendar(*, calendar_id: int) -> Calendar:
    found = calendars().filter(pk=calendar_id).first()
    if found is None:
        raise NotFound(f"No calendar with id {calendar_id}.", field="calendar_id")
    return found


def lead_clocks(*, lead_id: int) -> QuerySet[Clock]:
    return (
        Clock.objects.filter(lead_id=lead_id)
        .select_related("commitment", "owner")
        .order_by("started_at", "pk")
    )


def schedule_in_force() -> business_time.Schedule | None:
    """The business calendar of the agreement in force, ready for arithmetic."""
    agreement = agreement_in_force()
    if agreement is None:
        return None
    from .services.calendars import schedule_for

    return schedule_for(agreement.calendar)


def business_time_left(
    *, schedule: business_time.Schedule | None, due_at: datetime | None, now: datetime
) -> timedelta | None:
    """Working time from now until `due_at` (negative when overdue); None without a clock."""
    if schedule is None or due_at is None:
        return None
    return business_time.between(schedule, now, due_at)
