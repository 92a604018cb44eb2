"""The demo organisation's agreement: a calendar, a signed SLA and sales-ready definition, an
inbound pool, and a few leads whose clocks show every state on the scoreboard — running, met,
breached and escalated. Everything goes through the services, so the ledger tells the story."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from truce.agreements.services import calendars, clocks, signing
from truce.assignment import services as assignment
from truce.funnel.models import Lead, Outcome
from truce.funnel.services import qualification
from truce.identity.models import Role, User
from truce.touches.services import record_touch

SLA = [
    {"kind": "mql_volume", "target": 400, "period": "month"},
    {"kind": "acceptance_rate", "target": 80},
    {"kind": "opportunity_rate", "target": 25},
    {"kind": "campaign_count", "target": 3, "period": "month"},
    {"kind": "first_touch", "target": 95, "hours": 4, "escalate_after_hours": 8},
    {"kind": "touches", "target": 3, "days": 7},
    {"kind": "disposition", "target": 95, "hours": 8},
    {"kind": "outcome", "target": 90, "days": 45},
]
DEFINITION = "fit_score >= 30 and engagement_score >= 20"


def _user(role: str) -> User:
    return User.objects.filter(role=role, is_active=True).order_by("pk").first()  # type: ignore[return-value]


def _install_documents(marketing: User, sales: User, since: datetime) -> None:
    calendar = calendars.create_calendar(
        name="Head office",
        time_zone="Europe/Paris",
        working_days=[0, 1, 2, 3, 4],
        hours=[{"start": "09:00", "end": "12:00"}, {"start": "13:00", "end": "17:30"}],
        holiday_country="FR",
        actor=marketing,
    )
    agreement = signing.create_agreement(
        title="Marketing–sales SLA",
        calendar=calendar,
        effective_from=since.date(),
        summary="What each team promises the other, measured every week.",
        commitments=SLA,
        actor=marketing,
    )
    for owner in (marketing, sales):
        signing.sign_agreement(agreement=agreement, actor=owner)
    definition = qualification.propose_definition(rule=DEFINITION, actor=marketing)
    for owner in (marketing, sales):
        qualification.sign_definition(version=definition.version, actor=owner)


def _install_pool(admin: User) -> None:
    pool = assignment.create_pool(name="Inbound", actor=admin, is_default=True)
    for rep in User.objects.filter(role=Role.SALES_REP, is_active=True).order_by("username"):
        assignment.add_member(pool=pool, user=rep, actor=admin)


def _recent_handovers(count: int) -> list[Lead]:
    return list(
        Lead.objects.filter(outcome=Outcome.OPEN, stage__key="mql", clocks__isnull=True)
        .select_related("contact", "company", "stage")
        .order_by("-created_at")[:count]
    )


def _show_clock_states(admin: User, now: datetime) -> None:
    """Three leads handed over five days ago and never touched (breached, escalated),
    three this morning and worked at once (met), three an hour ago (still running)."""
    reps = list(User.objects.filter(role=Role.SALES_REP, is_active=True).order_by("username"))
    leads = _recent_handovers(9)
    for index, lead in enumerate(leads):
        rep = reps[index % len(reps)]
        started = now - [timedelta(days=5), timedelta(hours=3), timedelta(hours=1)][index // 3]
        Lead.objects.filter(pk=lead.pk).update(owner=rep, assigned_at=started)
        lead.refresh_from_db()
        clocks.on_owner_changed(lead=lead, owner=rep, at=started)
        if index // 3 == 1:
            record_touch(
                lead=lead, kind="call", actor=rep, occurred_at=started + timedelta(hours=1)
            )
    clocks.sweep(now=now)


@transaction.atomic
def install_demo_agreement(*, now: datetime | None = None) -> None:
    now = now or timezone.now()
    marketing, sales = _user(Role.MARKETING_OWNER), _user(Role.SALES_OWNER)
    admin = _user(Role.ADMIN)
    _install_documents(marketing, sales, since=now - timedelta(days=200))
    _install_pool(admin)
    _show_clock_states(admin, now)
