"""Making and changing joint plans (each change a new revision, checked for disconnects),
and recording the joint reviews whose decisions resolve what the detector found."""

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from truce.errors import Conflict, DomainError, PermissionDenied
from truce.identity.permissions import can, require
from truce.ledger import services as ledger

from . import disconnects, periods, selectors, values
from .models import Decision, Finding, Plan, PlanRevision, ReviewMeeting

MAX_NOTE = 500
TAKEN = "A plan for this period, product line and segment exists already."


def _ref(value: Any) -> Any:
    """A value as the ledger payload and the diff show it."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list):
        return [_ref(item) for item in value]
    return value.pk if hasattr(value, "pk") else value


def _check_sides(actor: Any, names: Any) -> None:
    """A field may be set only by the team whose side it is on (or an admin)."""
    for name in values.PLAN_FIELDS:
        if name in names and not can(actor, values.side_of(name)):
            team = "marketing" if values.side_of(name) == "plan_marketing" else "sales"
            raise PermissionDenied(
                f"{name!r} is on the {team} side of the plan; only the {team} owner or an "
                "admin may change it.",
                field=name,
            )


def _snapshot(revision: PlanRevision | None) -> dict[str, Any]:
    names = [name for name in values.PLAN_FIELDS if name != "campaigns"]
    if revision is None:
        zeros = dict.fromkeys((n for n in names if n != "incentives"), 0)
        return values.clean(zeros) | {"incentives": [], "campaigns": []}
    found = {name: getattr(revision, name) for name in names}
    return found | {"campaigns": sorted(revision.campaigns.all(), key=lambda c: c.pk)}


@transaction.atomic
def create_plan(
    *,
    actor: Any,
    period_kind: str,
    period_start: date,
    product_line: str = "",
    segment: str = "",
    fields: dict[str, Any] | None = None,
    note: str = "",
) -> Plan:
    """A new plan and its first revision, with whichever side the actor may fill."""
    require(actor, "review_plans")
    periods.check_start(kind=period_kind, start=period_start)
    scope = {"product_line": product_line.strip()[:64], "segment": segment.strip()[:64]}
    plan = Plan(
        period_kind=period_kind,
        period_start=period_start,
        created_by=actor,
        created_at=timezone.now(),
        **scope,
    )
    try:
        with transaction.atomic():  # a savepoint: the loser of a race gets a 409, not a 500
            plan.save()
    except IntegrityError:
        raise Conflict(TAKEN, field="period_start") from None
    ledger.append(
        kind="plan.created",
        subject_type="plan",
        subject_id=plan.pk,
        actor=actor,
        payload={"period_kind": period_kind, "period_start": period_start.isoformat(), **scope},
    )
    _revise(plan, actor, fields or {}, note)
    return plan


@transaction.atomic
def revise_plan(
    *,
    plan: Plan,
    actor: Any,
    changes: dict[str, Any],
    base_revision: int | None = None,
    note: str = "",
) -> PlanRevision:
    """The plan's next revision with `changes` applied (the current one if nothing changed).
    `base_revision` is the revision the editor started from: if another change landed since,
    this one is refused (409) rather than silently undoing it."""
    require(actor, "review_plans")
    locked = Plan.objects.select_for_update().get(pk=plan.pk)
    if base_revision is not None and base_revision != locked.revision_count:
        raise Conflict(
            f"The plan changed since revision {base_revision} (it is at revision "
            f"{locked.revision_count}); reload it and apply your change again.",
            field="base_revision",
        )
    revision = _revise(locked, actor, changes, note)
    plan.current, plan.revision_count = locked.current, locked.revision_count
    return revision


def _check_note(note: str) -> str:
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise DomainError(f"A note has at most {MAX_NOTE} characters.", field="note")
    return note


def _revise(plan: Plan, actor: Any, changes: dict[str, Any], note: str) -> PlanRevision:
    cleaned = values.clean(changes)
    note = _check_note(note)
    before = _snapshot(plan.current)
    diff = {k: [_ref(before[k]), _ref(v)] for k, v in cleaned.items() if before[k] != v}
    _check_sides(actor, diff)
    after = before | cleaned
    values.check_campaigns(planned=after["planned_campaigns"], campaigns=after["campaigns"])
    if plan.current is not None and not diff:
        return plan.current
    revision = _write_revision(plan, actor, after, note)
    found = _record_findings(revision)
    ledger.append(
        kind="plan.revised",
        subject_type="plan",
        subject_id=plan.pk,
        actor=actor,
        payload={
            "revision": revision.number,
            "changes": diff,
            "note": note,
            "findings": [f.code for f in found],
        },
    )
    return revision


RECHECK_NOTE = "Checked again against today's agreement, funnel and neighbouring plans."


def _stored(revision: PlanRevision) -> set[tuple[str, str]]:
    return {(f.code, _key(f.numbers)) for f in revision.findings.all()}


@transaction.atomic
def recheck_plan(*, plan: Plan, actor: Any) -> PlanRevision:
    """Run the detector again on the plan as it stands. Findings are stored per revision, so
    when today's facts (the agreement, the funnel, the previous period's plan) give different
    findings, the same values are saved as a new revision carrying them; otherwise nothing
    is written and the current revision is returned."""
    require(actor, "review_plans")
    locked = Plan.objects.select_for_update().get(pk=plan.pk)
    current = locked.current
    assert current is not None  # a plan is created with its first revision
    facts = selectors.gather(revision=current, now=timezone.now())
    fresh = {(found.code, _key(found.numbers)) for found in disconnects.detect(facts)}
    if fresh == _stored(current):
        return current
    revision = _write_revision(locked, actor, _snapshot(current), RECHECK_NOTE)
    found = _record_findings(revision)
    ledger.append(
        kind="plan.rechecked",
        subject_type="plan",
        subject_id=plan.pk,
        actor=actor,
        payload={"revision": revision.number, "findings": [f.code for f in found]},
    )
    plan.current, plan.revision_count = locked.current, locked.revision_count
    return revision


def _write_revision(plan: Plan, actor: Any, after: dict[str, Any], note: str) -> PlanRevision:
    number = plan.revision_count + 1
    fields = {k: v for k, v in after.items() if k != "campaigns"}
    revision = PlanRevision.objects.create(
        plan=plan, number=number, note=note, created_by=actor, created_at=timezone.now(), **fields
    )
    revision.campaigns.set(after["campaigns"])
    plan.current, plan.revision_count = revision, number
    plan.save(update_fields=["current", "revision_count"])
    return revision


def _record_findings(revision: PlanRevision) -> list[Finding]:
    """The detector's findings for this revision. A finding the last revision also had, with
    the same numbers, stays resolved by the decision that resolved it there."""
    now = timezone.now()
    facts = selectors.gather(revision=revision, now=now)
    earlier = _resolved_before(revision)
    rows = []
    for found in disconnects.detect(facts):
        row = Finding(
            revision=revision,
            code=found.code,
            severity=found.severity,
            message=found.message,
            numbers=found.numbers,
        )
        kept = earlier.get((found.code, _key(found.numbers)))
        if kept is not None:
            row.resolved_by_id, row.resolved_at = kept.resolved_by_id, kept.resolved_at
        rows.append(row)
    return Finding.objects.bulk_create(rows)


def _key(numbers: dict[str, Any]) -> str:
    return json.dumps(numbers, sort_keys=True)


def _resolved_before(revision: PlanRevision) -> dict[tuple[str, str], Finding]:
    qs = Finding.objects.filter(
        revision__plan=revision.plan,
        revision__number=revision.number - 1,
        resolved_by__isnull=False,
    )
    return {(f.code, _key(f.numbers)): f for f in qs}


@dataclass(frozen=True)
class DecisionEntry:
    """One decision of a review: what, who owns it, by when, and the findings it resolves."""

    text: str
    owner: Any
    due_on: date
    resolves: tuple[int, ...] = ()


def _check_review(held_on: date, attendees: list[Any], decisions: list[DecisionEntry]) -> None:
    if held_on > timezone.localdate():
        raise DomainError("A review is recorded once it was held, not before.", field="held_on")
    if not attendees:
        raise DomainError("Name who attended the review.", field="attendees")
    if any(not getattr(person, "is_active", False) for person in attendees):
        raise DomainError("Attendees are active users.", field="attendees")
    for index, entry in enumerate(decisions):
        where = f"decisions[{index}]"
        if not entry.text.strip():
            raise DomainError("A decision says what was decided.", field=f"{where}.text")
        if entry.owner is None or not entry.owner.is_active:
            raise DomainError("A decision has an active owner.", field=f"{where}.owner")


def _findings_to_resolve(plan: Plan, decisions: list[DecisionEntry]) -> dict[int, Finding]:
    """The open findings of the plan's current revision each decision names, each only once."""
    open_ones = {
        f.pk: f for f in Finding.objects.filter(revision=plan.current, resolved_by__isnull=True)
    }
    named: dict[int, Finding] = {}
    for index, entry in enumerate(decisions):
        for finding_id in entry.resolves:
            if finding_id not in open_ones or finding_id in named:
                raise DomainError(
                    f"Finding {finding_id} is not an open finding of the plan's current "
                    "revision (or another decision resolves it already).",
                    field=f"decisions[{index}].resolves",
                )
            named[finding_id] = open_ones[finding_id]
    return named


@transaction.atomic
def record_review(
    *,
    plan: Plan,
    actor: Any,
    held_on: date,
    attendees: list[Any],
    decisions: list[DecisionEntry],
    notes: str = "",
) -> ReviewMeeting:
    """A joint review meeting: attendees, decisions with owners and due dates, and the
    findings each decision resolves (marked resolved by it)."""
    require(actor, "review_plans")
    plan = Plan.objects.select_for_update().get(pk=plan.pk)  # a join here cannot lock on PG
    _check_review(held_on, attendees, decisions)
    to_resolve = _findings_to_resolve(plan, decisions)
    now = timezone.now()
    meeting = ReviewMeeting.objects.create(
        plan=plan, held_on=held_on, notes=notes.strip(), recorded_by=actor, created_at=now
    )
    meeting.attendees.set(attendees)
    written = [_write_decision(meeting, entry, to_resolve, now) for entry in decisions]
    ledger.append(
        kind="plan.reviewed",
        subject_type="plan",
        subject_id=plan.pk,
        actor=actor,
        payload={
            "meeting_id": meeting.pk,
            "held_on": held_on.isoformat(),
            "revision": plan.revision_count,
            "attendees": sorted(person.pk for person in attendees),
            "decisions": written,
        },
    )
    return meeting


def _write_decision(
    meeting: ReviewMeeting, entry: DecisionEntry, to_resolve: dict[int, Finding], now: Any
) -> dict[str, Any]:
    decision = Decision.objects.create(
        meeting=meeting, text=entry.text.strip(), owner=entry.owner, due_on=entry.due_on
    )
    ids = sorted(entry.resolves)
    Finding.objects.filter(pk__in=ids).update(resolved_by=decision, resolved_at=now)
    return {
        "id": decision.pk,
        "text": decision.text,
        "owner_id": entry.owner.pk,
        "due_on": entry.due_on.isoformat(),
        "resolves": [{"finding_id": i, "code": to_resolve[i].code} for i in ids],
    }
