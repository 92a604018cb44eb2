"""SLA clocks: started when a lead is assigned, met by the event that satisfies them,
breached by the sweep when their due time passes, escalated after a second threshold.

Reassignment follows the agreement: `restart` cancels the running clocks and starts new ones
for the new owner; `carry` hands the running clocks to the new owner unchanged.
"""

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from truce.ledger import services as ledger

from .. import business_time
from ..models import Agreement, Clock, ClockOnReassign, ClockState, Commitment, CommitmentKind
from ..selectors import agreement_in_force
from .calendars import schedule_for

OBSERVED_LEAD_EVENTS = frozenset({"lead.accepted", "lead.rejected", "lead.outcome_set"})
TIME_BOUND = (
    CommitmentKind.FIRST_TOUCH,
    CommitmentKind.TOUCHES,
    CommitmentKind.DISPOSITION,
    CommitmentKind.OUTCOME,
)
# The lead event that meets each kind of clock.
MET_BY = {
    "touch.sales": (CommitmentKind.FIRST_TOUCH,),
    "lead.accepted": (CommitmentKind.DISPOSITION,),
    "lead.rejected": (CommitmentKind.DISPOSITION,),
    "lead.outcome_set": (CommitmentKind.OUTCOME,),
}


def _hours(value: Decimal | None) -> timedelta:
    return timedelta(hours=float(value or 0))


def _due(
    agreement: Agreement, commitment: Commitment, start: datetime
) -> tuple[datetime, datetime | None]:
    schedule = schedule_for(agreement.calendar)
    if commitment.kind in (CommitmentKind.FIRST_TOUCH, CommitmentKind.DISPOSITION):
        due = business_time.add(schedule, start, _hours(commitment.hours))
    else:
        due = start + timedelta(days=commitment.days or 0)
    escalate = None
    if commitment.escalate_after_hours:
        escalate = business_time.add(schedule, start, _hours(commitment.escalate_after_hours))
    return due, escalate


def _in_period(agreement: Agreement, at: datetime) -> bool:
    day = at.date()
    return agreement.effective_from <= day and (
        agreement.effective_to is None or day <= agreement.effective_to
    )


def _new_clock(
    agreement: Agreement, commitment: Commitment, lead_id: int, owner: Any, at: datetime
) -> Clock:
    due, escalate = _due(agreement, commitment, at)
    return Clock(
        lead_id=lead_id,
        commitment=commitment,
        owner=owner,
        started_at=at,
        due_at=due,
        escalate_at=escalate,
    )


def on_owner_changed(*, lead: Any, owner: Any, at: datetime | None = None) -> list[Clock]:
    """Assignment starts the clocks of the agreement in force; reassignment restarts or
    carries the running ones as the agreement says; unassignment cancels them."""
    at = at or timezone.now()
    running = Clock.objects.filter(lead_id=lead.pk, state=ClockState.RUNNING)
    agreement = agreement_in_force()
    closed = getattr(lead, "outcome", "open") != "open"
    if owner is None or closed or agreement is None or not _in_period(agreement, at):
        running.update(state=ClockState.CANCELLED, stopped_at=at, stopped_by="lead.unassigned")
        return []
    if not Clock.objects.filter(lead_id=lead.pk).exists():
        commitments = [c for c in agreement.commitments.all() if c.kind in TIME_BOUND]
        return Clock.objects.bulk_create(
            _new_clock(agreement, c, lead.pk, owner, at) for c in commitments
        )
    if agreement.clock_on_reassign == ClockOnReassign.CARRY:
        running.update(owner=owner)
        return list(running)
    # Restart what is still owed: running clocks, and breached ones nobody has answered yet
    # (they stay breached in the record; the new owner gets a fresh clock).
    unanswered = Clock.objects.filter(
        lead_id=lead.pk, state=ClockState.BREACHED, stopped_at__isnull=True
    )
    restarted = [
        c.commitment for c in (running | unanswered).select_related("commitment__agreement")
    ]
    running.update(state=ClockState.CANCELLED, stopped_at=at, stopped_by="lead.reassigned")
    unanswered.update(stopped_at=at, stopped_by="lead.reassigned")
    return Clock.objects.bulk_create(
        _new_clock(c.agreement, c, lead.pk, owner, at) for c in restarted
    )


def observe(*, lead: Any, event: str, at: datetime | None = None) -> None:
    """A lead event happened: meet the clocks it satisfies; a closing lead cancels the rest."""
    at = at or timezone.now()
    kinds: list[str] = list(MET_BY.get(event, ()))
    if event == "touch.sales":
        kinds += _touch_targets_reached(lead, at)
    if kinds:
        _meet(lead, kinds, event, at)
    if event in ("lead.outcome_set", "lead.rejected"):
        Clock.objects.filter(lead_id=lead.pk, state=ClockState.RUNNING).update(
            state=ClockState.CANCELLED, stopped_at=at, stopped_by=event
        )


def _touch_targets_reached(lead: Any, at: datetime) -> list[str]:
    from truce.touches.selectors import sales_touch_count_between

    reached: list[str] = []
    for clock in Clock.objects.filter(
        lead_id=lead.pk, state=ClockState.RUNNING, commitment__kind=CommitmentKind.TOUCHES
    ).select_related("commitment"):
        count = sales_touch_count_between(lead_id=lead.pk, start=clock.started_at, end=at)
        if count >= clock.commitment.target:
            reached.append(CommitmentKind.TOUCHES)
    return reached


def _meet(lead: Any, kinds: list[str], event: str, at: datetime) -> None:
    clocks = list(
        Clock.objects.filter(lead_id=lead.pk, commitment__kind__in=kinds)
        .filter(Q(state=ClockState.RUNNING) | Q(state=ClockState.BREACHED, stopped_at__isnull=True))
        .select_related("commitment")
    )
    for clock in clocks:
        met = clock.state == ClockState.RUNNING
        Clock.objects.filter(pk=clock.pk).update(
            state=ClockState.MET if met else ClockState.BREACHED, stopped_at=at, stopped_by=event
        )
        if met:
            ledger.append(
                kind="clock.met",
                subject_type="clock",
                subject_id=clock.pk,
                lead_id=lead.pk,
                occurred_at=at,
                payload={
                    "commitment": clock.commitment.kind,
                    "by": event,
                    "due_at": clock.due_at,
                    "owner_id": clock.owner_id,
                },
            )


@transaction.atomic
def _claim_breaches(now: datetime, batch: int, last: int) -> list[int]:
    candidates = (
        Clock.objects.select_for_update(skip_locked=True)
        .filter(state=ClockState.RUNNING, due_at__lte=now, pk__lte=last)
        .order_by("due_at")
        .values_list("pk", flat=True)[:batch]
    )
    ids = list(candidates)
    if not ids:
        return []
    Clock.objects.filter(pk__in=ids, state=ClockState.RUNNING).update(
        state=ClockState.BREACHED, breached_at=now
    )
    rows = Clock.objects.filter(pk__in=ids).select_related("commitment")
    ledger.append_many(
        [
            ledger.NewEvent(
                kind="clock.breached",
                subject_type="clock",
                subject_id=c.pk,
                lead_id=c.lead_id,
                occurred_at=c.due_at,
                payload={
                    "commitment": c.commitment.kind,
                    "due_at": c.due_at,
                    "owner_id": c.owner_id,
                },
            )
            for c in rows
        ]
    )
    transaction.on_commit(lambda: _notify("breach", ids))
    return ids


@transaction.atomic
def _claim_escalations(now: datetime, batch: int, last: int) -> list[int]:
    candidates = (
        Clock.objects.select_for_update(skip_locked=True)
        .filter(
            state__in=[ClockState.RUNNING, ClockState.BREACHED],
            escalate_at__lte=now,
            escalated_at__isnull=True,
            stopped_at__isnull=True,  # a breach the owner has since answered is not escalated
            pk__lte=last,
        )
        .order_by("escalate_at")
        .values_list("pk", flat=True)[:batch]
    )
    ids = list(candidates)
    if not ids:
        return []
    Clock.objects.filter(pk__in=ids, escalated_at__isnull=True).update(escalated_at=now)
    rows = list(Clock.objects.filter(pk__in=ids).select_related("commitment__agreement"))
    ledger.append_many(
        [
            ledger.NewEvent(
                kind="clock.escalated",
                subject_type="clock",
                subject_id=c.pk,
                lead_id=c.lead_id,
                occurred_at=c.escalate_at or now,
                payload={
                    "commitment": c.commitment.kind,
                    "owner_id": c.owner_id,
                    "reassign": c.commitment.agreement.reassign_on_escalation,
                },
            )
            for c in rows
        ]
    )
    transaction.on_commit(lambda: _notify("escalation", ids))
    _reassign_escalated(
        {c.lead_id for c in rows if c.commitment.agreement.reassign_on_escalation}, now
    )
    return ids


def _reassign_escalated(lead_ids: set[int], now: datetime) -> None:
    """The agreement says an escalated lead changes hands: routing picks the pool's next
    available person (the new owner's clocks start afresh, by the reassignment rule)."""
    from truce.assignment.services import route_lead
    from truce.funnel.models import Lead, Outcome

    for lead in Lead.objects.filter(pk__in=sorted(lead_ids), outcome=Outcome.OPEN):
        Lead.objects.filter(pk=lead.pk).update(owner=None, assigned_at=None)
        lead.owner, lead.assigned_at = None, None
        route_lead(lead=lead, actor=None)


def _notify(kind: str, clock_ids: list[int]) -> None:
    # One job per claimed batch: each clock is still claimed on its own before its email.
    from truce.notify.tasks import send_clock_notifications

    send_clock_notifications.enqueue(clock_ids=clock_ids, kind=kind)


def sweep(*, now: datetime | None = None, batch: int = 500) -> dict[str, int]:
    """Breach overdue clocks and escalate late ones, in claimed batches. Safe to run from
    several workers at once: a clock is claimed by a conditional update, so it is notified and
    escalated exactly once."""
    now = now or timezone.now()
    # Only clocks that existed when the sweep began: an escalation that reassigns a lead starts
    # new clocks, and those belong to the next sweep, not to an endless loop in this one.
    last = Clock.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    totals = {"breached": 0, "escalated": 0}
    while ids := _claim_breaches(now, batch, last):
        totals["breached"] += len(ids)
    while ids := _claim_escalations(now, batch, last):
        totals["escalated"] += len(ids)
    return totals
