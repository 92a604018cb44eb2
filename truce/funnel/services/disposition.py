"""Disposition: the assigned rep accepts a lead (it becomes a SAL) or rejects it with a reason.

A rejected lead goes back to marketing: its owner is cleared and it returns to the `lead`
stage. That backward move does not go through `move_lead`, because a stage's entry criteria
are the bar for moving forward; a lead sales turned down must always be able to land back in
marketing's hands. It still closes the open StageVisit, opens a new one and writes the same
`lead.stage_changed` event as any move, through the same internals (`_enter_stage`).
"""

from typing import Any

from django.db import transaction
from django.utils import timezone

from truce.errors import Conflict, DomainError, PermissionDenied
from truce.identity.permissions import can

from ..errors import LeadClosed, ReasonRequired
from ..models import Disposition, Lead, Outcome, Reason, ReasonKind, Stage
from .leads import _enter_stage, _lead_event, default_stage, move_lead

ACCEPTED_STAGE = "sal"
REJECTED_STAGE = "lead"
NOTE_MAX = 1000
_REJECT_FIELDS = (
    "owner",
    "stage",
    "stage_entered_at",
    "disposition",
    "disposition_reason",
    "disposition_at",
)


class NotAssigned(Conflict):
    code = "not_assigned"


class AlreadyDisposed(Conflict):
    code = "already_disposed"


def _check_may_dispose(lead: Lead, actor: Any) -> None:
    if actor is not None and lead.owner_id == actor.pk and can(actor, "write_records"):
        return
    if not can(actor, "dispose_any_lead"):
        raise PermissionDenied(
            "Only the lead's owner, a sales owner or an admin may accept or reject it."
        )


def _check_awaiting(lead: Lead) -> None:
    if lead.outcome != Outcome.OPEN:
        raise LeadClosed(f"The lead is {lead.outcome}; only open leads are accepted or rejected.")
    if lead.owner_id is None:
        raise NotAssigned("The lead is not assigned to anyone yet.", field="owner")
    if lead.disposition != Disposition.NONE:
        raise AlreadyDisposed(
            f"The lead was already {lead.disposition}; reassign it to ask again.",
            field="disposition",
        )


def _locked(lead: Lead) -> Lead:
    return (
        Lead.objects.select_for_update(of=("self",))
        .select_related("contact", "company", "stage", "owner", "campaign")
        .get(pk=lead.pk)
    )


def _stage(key: str) -> Stage:
    return Stage.objects.filter(key=key, is_active=True).first() or default_stage()


@transaction.atomic
def accept_lead(*, lead: Lead, actor: Any) -> Lead:
    """The lead becomes a SAL. A lead already past SAL (say, reassigned) stays where it is."""
    lead = _locked(lead)
    _check_may_dispose(lead, actor)
    _check_awaiting(lead)
    sal = _stage(ACCEPTED_STAGE)
    if lead.stage.position < sal.position:
        lead = move_lead(lead=lead, stage=sal, actor=actor)  # its entry criteria apply
    at = timezone.now()
    lead.disposition, lead.disposition_reason, lead.disposition_at = (
        Disposition.ACCEPTED,
        None,
        at,
    )
    lead.updated_at = at
    lead.save(update_fields=["disposition", "disposition_reason", "disposition_at", "updated_at"])
    _lead_event(
        lead, "lead.accepted", actor, {"by": _pk(actor), "stage": lead.stage.key}, occurred_at=at
    )
    return lead


def _rejection_reason(key: str | None) -> Reason:
    if not key:
        raise ReasonRequired(
            "Rejecting a lead needs a reason from the rejected list.", field="reason"
        )
    reason = Reason.objects.filter(kind=ReasonKind.REJECTED, key=key, is_active=True).first()
    if reason is None:
        raise ReasonRequired(f"{key!r} is not in the rejected reason list.", field="reason")
    return reason


@transaction.atomic
def reject_lead(*, lead: Lead, reason: str | None, actor: Any, note: str = "") -> Lead:
    """Hand the lead back to marketing with a reason from the rejected list."""
    lead = _locked(lead)
    _check_may_dispose(lead, actor)
    _check_awaiting(lead)
    chosen = _rejection_reason(reason)
    if len(note) > NOTE_MAX:
        raise DomainError(f"A note has at most {NOTE_MAX} characters.", field="note")
    at = timezone.now()
    payload = {"reason": chosen.key, "note": note.strip(), "by": _pk(actor), "from": lead.owner_id}
    _lead_event(lead, "lead.rejected", actor, payload, occurred_at=at)
    _return_to_marketing(lead, actor, at)
    lead.disposition, lead.disposition_reason, lead.disposition_at = (
        Disposition.REJECTED,
        chosen,
        at,
    )
    lead.owner, lead.updated_at = None, at
    lead.save(update_fields=[*_REJECT_FIELDS, "updated_at"])
    return lead


def _return_to_marketing(lead: Lead, actor: Any, at: Any) -> None:
    target = _stage(REJECTED_STAGE)
    if target.pk == lead.stage_id:
        return
    previous = lead.stage
    _enter_stage(lead, target, at)
    payload = {"from": previous.key, "to": target.key, "why": "rejected"}
    _lead_event(lead, "lead.stage_changed", actor, payload, occurred_at=at)


def _pk(actor: Any) -> int | None:
    return getattr(actor, "pk", None)
