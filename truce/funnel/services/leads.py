"""The lead lifecycle: create, update, move, set the outcome, reopen. Each writes its event."""

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from truce.errors import DomainError, NotFound
from truce.identity.permissions import require
from truce.ledger import services as ledger

from ..errors import (
    AmountRequired,
    EntryCriterionFailed,
    InvalidTransition,
    LeadClosed,
    LeadNotClosed,
    ReasonRequired,
)
from ..models import Lead, Outcome, Reason, ReasonKind, Stage, StageVisit
from ..rules import first_failure, lead_facts, parse_criteria

UPDATABLE = (
    "source",
    "campaign",
    "owner",
    "score",
    "facts",
    "product_line",
    "amount",
    "external_id",
)
_OUTCOME_REASON = {
    Outcome.LOST: ReasonKind.LOST,
    Outcome.RECYCLED: ReasonKind.RECYCLED,
    Outcome.DISQUALIFIED: ReasonKind.DISQUALIFIED,
}


def _ref(value: Any) -> Any:
    if value is None or isinstance(value, str | int | bool | dict | list):
        return value
    return value.pk if hasattr(value, "pk") else str(value)


def _lead_event(
    lead: Lead, kind: str, actor: Any, payload: dict[str, Any], occurred_at: datetime | None = None
) -> None:
    ledger.append(
        kind=kind,
        subject_type="lead",
        subject_id=lead.pk,
        lead_id=lead.pk,
        actor=actor,
        payload=payload,
        occurred_at=occurred_at,
    )
    _clocks_follow(lead, kind, occurred_at)


def _clocks_follow(lead: Lead, kind: str, at: datetime | None) -> None:
    """SLA clocks answer lead events: an assignment starts (or restarts) them, a disposition
    or an outcome meets theirs (truce/agreements/services/clocks.py)."""
    from truce.agreements.services import clocks

    if kind == "lead.assigned":
        clocks.on_owner_changed(lead=lead, owner=lead.owner, at=at)
    elif kind in clocks.OBSERVED_LEAD_EVENTS:
        clocks.observe(lead=lead, event=kind, at=at)


def _check_entry(lead: Lead, stage: Stage) -> None:
    failure = first_failure(parse_criteria(stage.entry_criteria), lead_facts(lead))
    if failure:
        criterion, why = failure
        raise EntryCriterionFailed(
            f"Cannot enter {stage.name}: entry criterion {criterion.name!r} "
            f"({criterion.rule}) failed: {why}.",
            field="stage",
        )


def _clean_amount(amount: Any) -> Decimal | None:
    if amount in (None, ""):
        return None
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        raise DomainError(f"{amount!r} is not a number.", field="amount") from None
    if not value.is_finite() or value < 0 or value >= Decimal("1e12"):
        raise DomainError("Amount must be between 0 and 999,999,999,999.99.", field="amount")
    return value.quantize(Decimal("0.01"))


def default_stage() -> Stage:
    stage = Stage.objects.filter(is_active=True, is_won=False).order_by("position").first()
    if stage is None:
        raise NotFound("The funnel has no active stage.", field="stage")
    return stage


@transaction.atomic
def create_lead(
    *,
    contact: Any,
    actor: Any,
    stage: Stage | None = None,
    source: str = "",
    campaign: Any = None,
    owner: Any = None,
    score: int = 0,
    facts: dict[str, Any] | None = None,
    product_line: str = "",
    amount: Any = None,
    external_id: str | None = None,
    created_at: datetime | None = None,
) -> Lead:
    require(actor, "write_records")
    stage = stage or default_stage()
    if stage.is_won or not stage.is_active:
        raise InvalidTransition(f"A lead cannot start in {stage.name}.", field="stage")
    now = created_at or timezone.now()
    lead = Lead(
        contact=contact,
        company=contact.company,
        source=source.strip(),
        campaign=campaign,
        owner=owner,
        stage=stage,
        stage_entered_at=now,
        score=score,
        facts=facts or {},
        product_line=product_line.strip(),
        amount=_clean_amount(amount),
        external_id=external_id or None,
        created_at=now,
        updated_at=now,
    )
    _check_entry(lead, stage)
    lead.save()
    StageVisit.objects.create(lead=lead, stage=stage, entered_at=now)
    _lead_event(
        lead,
        "lead.created",
        actor,
        {
            "contact_id": contact.pk,
            "company_id": lead.company_id,
            "stage": stage.key,
            "source": lead.source,
            "campaign_id": _ref(campaign),
            "owner_id": _ref(owner),
            "product_line": lead.product_line,
            "amount": lead.amount,
            "score": score,
            "facts": lead.facts,
        },
        occurred_at=now,
    )
    if owner is not None:
        _lead_event(lead, "lead.assigned", actor, {"from": None, "to": owner.pk}, occurred_at=now)
    _refresh(lead, actor)
    return lead


@transaction.atomic
def update_lead(*, lead: Lead, actor: Any, changes: dict[str, Any]) -> Lead:
    """Change plain fields. Stage and outcome have their own services, with their own rules."""
    require(actor, "write_records")
    unknown = set(changes) - set(UPDATABLE)
    if unknown:
        raise DomainError(
            f"{sorted(unknown)[0]!r} cannot be updated here.", field=sorted(unknown)[0]
        )
    if "amount" in changes:
        changes = {**changes, "amount": _clean_amount(changes["amount"])}
    diff = {}
    for name, value in changes.items():
        if getattr(lead, name) != value:
            diff[name] = [_ref(getattr(lead, name)), _ref(value)]
            setattr(lead, name, value)
    if not diff:
        return lead
    lead.updated_at = timezone.now()
    lead.save(update_fields=[*changes, "updated_at"])
    owner_change = diff.pop("owner", None)
    if diff:
        _lead_event(lead, "lead.updated", actor, {"changes": diff})
    if owner_change:
        _lead_event(lead, "lead.assigned", actor, {"from": owner_change[0], "to": owner_change[1]})
    _refresh(lead, actor)
    return lead


def _refresh(lead: Lead, actor: Any) -> None:
    """Rescore (and maybe qualify) after the lead's facts changed; copy the result back."""
    from .qualification import refresh_lead

    fresh = refresh_lead(lead_id=lead.pk, actor=actor)
    for field in Lead._meta.concrete_fields:
        setattr(lead, field.attname, getattr(fresh, field.attname))


def _enter_stage(lead: Lead, stage: Stage, at: datetime) -> None:
    StageVisit.objects.filter(lead=lead, exited_at__isnull=True).update(exited_at=at)
    StageVisit.objects.create(lead=lead, stage=stage, entered_at=at)
    lead.stage, lead.stage_entered_at, lead.updated_at = stage, at, timezone.now()


@transaction.atomic
def move_lead(*, lead: Lead, stage: Stage, actor: Any, occurred_at: datetime | None = None) -> Lead:
    require(actor, "write_records")
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    if lead.outcome != Outcome.OPEN:
        raise LeadClosed(f"The lead is {lead.outcome}; reopen it before moving it.", field="stage")
    if stage.pk == lead.stage_id:
        raise InvalidTransition(f"The lead is already in {stage.name}.", field="stage")
    if not stage.is_active:
        raise InvalidTransition(f"{stage.name} is not an active stage.", field="stage")
    if stage.is_won:
        raise InvalidTransition(
            f"A lead enters {stage.name} by being won: set the outcome to won.", field="stage"
        )
    _check_entry(lead, stage)
    previous = lead.stage
    at = occurred_at or timezone.now()
    _enter_stage(lead, stage, at)
    lead.save(update_fields=["stage", "stage_entered_at", "updated_at"])
    _lead_event(
        lead, "lead.stage_changed", actor, {"from": previous.key, "to": stage.key}, occurred_at=at
    )
    return lead


def _reason_for(outcome: str, reason_key: str | None) -> Reason:
    kind = _OUTCOME_REASON[Outcome(outcome)]
    if not reason_key:
        raise ReasonRequired(
            f"A {outcome} outcome needs a reason from the {kind} list.", field="reason"
        )
    reason = Reason.objects.filter(kind=kind, key=reason_key, is_active=True).first()
    if reason is None:
        raise ReasonRequired(f"{reason_key!r} is not in the {kind} reason list.", field="reason")
    return reason


@transaction.atomic
def set_outcome(
    *,
    lead: Lead,
    outcome: str,
    actor: Any,
    reason: str | None = None,
    amount: Any = None,
    occurred_at: datetime | None = None,
) -> Lead:
    """Won (with an amount), lost, recycled or disqualified (each with a reason from its list)."""
    require(actor, "write_records")
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    if outcome not in Outcome.values or outcome == Outcome.OPEN:
        raise InvalidTransition(
            f"{outcome!r} is not an outcome; use won, lost, recycled or disqualified "
            "(reopen a lead to make it open).",
            field="outcome",
        )
    if lead.outcome != Outcome.OPEN:
        raise LeadClosed(f"The lead is already {lead.outcome}; reopen it first.", field="outcome")
    at = occurred_at or timezone.now()
    payload: dict[str, Any] = {"outcome": outcome, "stage": lead.stage.key}
    if outcome == Outcome.WON:
        _win(lead, amount, at)
        payload["amount"], payload["won_stage"] = lead.amount, lead.stage.key
    else:
        lead.outcome_reason = _reason_for(outcome, reason)
        payload["reason"] = lead.outcome_reason.key
    lead.outcome, lead.outcome_at, lead.updated_at = outcome, at, timezone.now()
    lead.save()
    _lead_event(lead, "lead.outcome_set", actor, payload, occurred_at=at)
    return lead


def _win(lead: Lead, amount: Any, at: datetime) -> None:
    value = _clean_amount(amount) if amount not in (None, "") else lead.amount
    if not value:
        raise AmountRequired("A won lead needs an amount greater than zero.", field="amount")
    won_stage = Stage.objects.filter(is_won=True, is_active=True).order_by("position").first()
    if won_stage is None:
        raise NotFound("The funnel has no customer (won) stage.", field="outcome")
    lead.amount = value
    lead.outcome_reason = None
    _enter_stage(lead, won_stage, at)


@transaction.atomic
def reopen_lead(*, lead: Lead, actor: Any, occurred_at: datetime | None = None) -> Lead:
    """Make a closed lead open again. A won lead goes back to the stage it was won from."""
    require(actor, "write_records")
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    if lead.outcome == Outcome.OPEN:
        raise LeadNotClosed("The lead is already open.", field="outcome")
    at = occurred_at or timezone.now()
    previous_outcome = lead.outcome
    if lead.stage.is_won:
        before = (
            StageVisit.objects.filter(lead=lead)
            .exclude(stage__is_won=True)
            .order_by("-entered_at", "-pk")
            .select_related("stage")
            .first()
        )
        _enter_stage(lead, before.stage if before else default_stage(), at)
    lead.outcome, lead.outcome_reason, lead.outcome_at = Outcome.OPEN, None, None
    lead.updated_at = timezone.now()
    lead.save()
    _lead_event(
        lead,
        "lead.reopened",
        actor,
        {"from": previous_outcome, "stage": lead.stage.key},
        occurred_at=at,
    )
    return lead


def _repoint_leads(field: str, old: Any, new: Any, actor: Any) -> list[int]:
    """Point every lead of a merged-away contact or company at the survivor, one event each."""
    lead_ids = list(Lead.objects.filter(**{field: old}).values_list("pk", flat=True))
    Lead.objects.filter(pk__in=lead_ids).update(**{field: new, "updated_at": timezone.now()})
    ledger.append_many(
        [
            ledger.NewEvent(
                kind=f"lead.{field}_merged",
                subject_type="lead",
                subject_id=lead_id,
                lead_id=lead_id,
                actor_id=getattr(actor, "pk", None),
                payload={f"from_{field}_id": old.pk, f"to_{field}_id": new.pk},
            )
            for lead_id in lead_ids
        ]
    )
    return lead_ids


def reassign_contact_records(*, from_contact: Any, to_contact: Any, actor: Any) -> dict[str, Any]:
    """Move a merged contact's leads and touches to the survivor; each lead's timeline says so."""
    from truce.touches.services import reassign_touches

    lead_ids = _repoint_leads("contact", from_contact, to_contact, actor)
    touch_count = reassign_touches(from_contact=from_contact, to_contact=to_contact)
    return {"lead_ids": lead_ids, "touches_moved": touch_count}


def reassign_company_records(*, from_company: Any, to_company: Any, actor: Any) -> dict[str, Any]:
    return {"lead_ids": _repoint_leads("company", from_company, to_company, actor)}
