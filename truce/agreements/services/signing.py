"""Writing and signing the SLA. A version is in force once both owners signed it."""

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from truce.identity import signing
from truce.identity.models import TeamKey
from truce.identity.permissions import require
from truce.ledger import services as ledger

from ..errors import InvalidCommitment
from ..models import Agreement, Calendar, ClockOnReassign, Commitment, CommitmentKind, Period

TEAM_OF = {
    CommitmentKind.MQL_VOLUME: TeamKey.MARKETING,
    CommitmentKind.ACCEPTANCE_RATE: TeamKey.MARKETING,
    CommitmentKind.OPPORTUNITY_RATE: TeamKey.MARKETING,
    CommitmentKind.CAMPAIGN_COUNT: TeamKey.MARKETING,
    CommitmentKind.FIRST_TOUCH: TeamKey.SALES,
    CommitmentKind.TOUCHES: TeamKey.SALES,
    CommitmentKind.DISPOSITION: TeamKey.SALES,
    CommitmentKind.OUTCOME: TeamKey.SALES,
}
RATES = {CommitmentKind.ACCEPTANCE_RATE, CommitmentKind.OPPORTUNITY_RATE}
NEEDS_HOURS = {CommitmentKind.FIRST_TOUCH, CommitmentKind.DISPOSITION}
NEEDS_DAYS = {CommitmentKind.TOUCHES, CommitmentKind.OUTCOME}
TIME_BOUND = NEEDS_HOURS | NEEDS_DAYS
DOCUMENT = "the agreement"


def _decimal(value: Any, field: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise InvalidCommitment(f"{value!r} is not a number.", field=field) from None
    if not number.is_finite() or number < 0 or number >= Decimal("1e9"):
        raise InvalidCommitment("Must be a number from 0 up.", field=field)
    return number


def _clean_commitment(index: int, raw: dict[str, Any]) -> dict[str, Any]:
    prefix = f"commitments[{index}]"
    kind = raw.get("kind")
    if kind not in CommitmentKind.values:
        raise InvalidCommitment(f"{kind!r} is not a commitment kind.", field=f"{prefix}.kind")
    target = _decimal(raw.get("target"), f"{prefix}.target")
    if target is None:
        raise InvalidCommitment("A commitment needs a target.", field=f"{prefix}.target")
    if kind in RATES and target > 100:
        raise InvalidCommitment("A rate target is a percentage (0–100).", field=f"{prefix}.target")
    hours = _decimal(raw.get("hours"), f"{prefix}.hours")
    days = raw.get("days")
    if kind in NEEDS_HOURS and not hours:
        raise InvalidCommitment("Say within how many business hours.", field=f"{prefix}.hours")
    if kind in NEEDS_DAYS and (not isinstance(days, int) or days <= 0):
        raise InvalidCommitment("Say within how many days.", field=f"{prefix}.days")
    if kind == CommitmentKind.TOUCHES and target < 1:
        raise InvalidCommitment("At least one touch.", field=f"{prefix}.target")
    escalate = _decimal(raw.get("escalate_after_hours"), f"{prefix}.escalate_after_hours")
    if escalate is not None and kind not in TIME_BOUND:
        raise InvalidCommitment(
            "Only time-bound commitments escalate.", field=f"{prefix}.escalate_after_hours"
        )
    period = raw.get("period") or Period.MONTH
    if period not in Period.values:
        raise InvalidCommitment(f"{period!r} is not a period.", field=f"{prefix}.period")
    return {
        "kind": kind,
        "team": TEAM_OF[CommitmentKind(kind)],
        "target": target,
        "period": period,
        "hours": hours,
        "days": days if kind in NEEDS_DAYS else None,
        "escalate_after_hours": escalate,
        "product_line": str(raw.get("product_line") or ""),
        "segment": str(raw.get("segment") or ""),
    }


@transaction.atomic
def create_agreement(
    *,
    title: str,
    calendar: Calendar,
    effective_from: date,
    commitments: list[dict[str, Any]],
    actor: Any,
    effective_to: date | None = None,
    summary: str = "",
    clock_on_reassign: str = ClockOnReassign.RESTART,
    reassign_on_escalation: bool = False,
) -> Agreement:
    """Propose a new version of the agreement. It does nothing until both owners sign it."""
    require(actor, "configure_funnel")
    if not commitments:
        raise InvalidCommitment("An agreement needs at least one commitment.", field="commitments")
    cleaned = [_clean_commitment(i, raw) for i, raw in enumerate(commitments)]
    if effective_to and effective_to < effective_from:
        raise InvalidCommitment("The agreement cannot end before it starts.", field="effective_to")
    if clock_on_reassign not in ClockOnReassign.values:
        raise InvalidCommitment(
            f"{clock_on_reassign!r} is not a reassignment rule.", field="clock_on_reassign"
        )
    version = (Agreement.objects.select_for_update().aggregate(n=Max("version"))["n"] or 0) + 1
    agreement = Agreement.objects.create(
        version=version,
        title=title.strip(),
        summary=summary,
        calendar=calendar,
        effective_from=effective_from,
        effective_to=effective_to,
        clock_on_reassign=clock_on_reassign,
        reassign_on_escalation=reassign_on_escalation,
        created_by=actor,
        created_at=timezone.now(),
    )
    Commitment.objects.bulk_create(Commitment(agreement=agreement, **c) for c in cleaned)
    ledger.append(
        kind="agreement.created",
        subject_type="agreement",
        subject_id=agreement.pk,
        actor=actor,
        payload={
            "version": version,
            "title": agreement.title,
            "effective_from": effective_from,
            "effective_to": effective_to,
            "commitments": cleaned,
        },
    )
    return agreement


@transaction.atomic
def sign_agreement(*, agreement: Agreement, actor: Any) -> Agreement:
    """Sign as marketing or sales owner. The second signature puts the version in force."""
    signing.side_of(actor, document=DOCUMENT)  # refuse a non-signer before taking locks
    # Locking every version serialises signers, so two versions never come into force at once.
    locked = list(
        Agreement.objects.select_for_update(of=("self",))
        .select_related("marketing_signed_by", "sales_signed_by")
        .order_by("pk")
    )
    agreement = next(a for a in locked if a.pk == agreement.pk)
    current = max(
        (a for a in locked if a.in_force_from and not a.superseded_at),
        key=lambda a: a.version,
        default=None,
    )
    side, complete = signing.add_signature(
        agreement, actor=actor, current=current, now=timezone.now(), name=DOCUMENT
    )
    ledger.append(
        kind="agreement.signed",
        subject_type="agreement",
        subject_id=agreement.pk,
        actor=actor,
        payload={"version": agreement.version, "side": side},
    )
    if complete:
        _put_in_force(agreement, actor)
    return agreement


def _put_in_force(agreement: Agreement, actor: Any) -> None:
    now = timezone.now()
    previous = list(
        Agreement.objects.select_for_update()
        .filter(in_force_from__isnull=False, superseded_at__isnull=True)
        .exclude(pk=agreement.pk)
    )
    for old in previous:
        old.superseded_at = now
        old.save(update_fields=["superseded_at"])
        ledger.append(
            kind="agreement.superseded",
            subject_type="agreement",
            subject_id=old.pk,
            actor=actor,
            payload={"version": old.version, "by_version": agreement.version},
        )
    agreement.in_force_from = now
    agreement.save(update_fields=["in_force_from"])
    ledger.append(
        kind="agreement.in_force",
        subject_type="agreement",
        subject_id=agreement.pk,
        actor=actor,
        payload={"version": agreement.version},
    )
