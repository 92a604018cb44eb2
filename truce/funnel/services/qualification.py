"""The sales-ready definition (versions, signatures, the one in force) and qualification.

A version is in force once the marketing owner and the sales owner have both signed it; it then
supersedes the version in force before it. A lead that satisfies the definition in force while
it is open, unqualified and in a stage before MQL becomes an MQL through the normal move (so the
MQL stage's entry criteria apply), records the version that qualified it, and is routed.
"""

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max, QuerySet
from django.utils import timezone

from truce.errors import Conflict, NotFound
from truce.identity import signing
from truce.identity.permissions import require
from truce.ledger import services as ledger
from truce.scoring import services as scoring

from ..errors import EntryCriterionFailed
from ..models import Lead, Outcome, SalesReadyDefinition, Stage
from ..rules import lead_facts
from .leads import _lead_event, move_lead

logger = logging.getLogger(__name__)

MQL = "mql"
DOCUMENT = "a sales-ready definition"
CHUNK = 500


# Reads.


def definitions() -> QuerySet[SalesReadyDefinition]:
    return SalesReadyDefinition.objects.select_related(
        "created_by", "marketing_signed_by", "sales_signed_by"
    ).order_by("-version")


def get_definition(*, version: int) -> SalesReadyDefinition:
    found = definitions().filter(version=version).first()
    if found is None:
        raise NotFound(f"No sales-ready definition version {version}.", field="version")
    return found


def definition_in_force() -> SalesReadyDefinition | None:
    return definitions().filter(in_force_from__isnull=False, superseded_at__isnull=True).first()


def status(definition: SalesReadyDefinition) -> str:
    if definition.superseded_at:
        return "superseded"
    if definition.in_force_from:
        return "in_force"
    return "awaiting_signatures"


# The definition's lifecycle.


def _definition_event(
    definition: SalesReadyDefinition, kind: str, actor: Any, payload: dict[str, Any], at: datetime
) -> None:
    ledger.append(
        kind=kind,
        subject_type="definition",
        subject_id=definition.pk,
        actor=actor,
        payload={"version": definition.version, **payload},
        occurred_at=at,
    )


@transaction.atomic
def propose_definition(
    *, rule: str, actor: Any, notes: str = "", now: datetime | None = None
) -> SalesReadyDefinition:
    """A new version, awaiting both signatures. The rule is checked before anything is written."""
    require(actor, "configure_funnel")
    rule = (rule or "").strip()
    scoring.compile_lead_rule(rule, field="rule")
    now = now or timezone.now()
    latest = SalesReadyDefinition.objects.aggregate(latest=Max("version"))["latest"] or 0
    definition = SalesReadyDefinition(
        version=latest + 1,
        rule=rule,
        notes=notes.strip(),
        created_by=actor if getattr(actor, "pk", None) else None,
        created_at=now,
    )
    try:
        with transaction.atomic():
            definition.save()
    except IntegrityError:
        raise Conflict(
            "Another version was proposed at the same moment; reload and try again.", field="rule"
        ) from None
    _definition_event(
        definition, "definition.created", actor, {"rule": rule, "notes": definition.notes}, now
    )
    return definition


@transaction.atomic
def sign_definition(
    *, version: int, actor: Any, now: datetime | None = None
) -> SalesReadyDefinition:
    """Sign one side. The second signature puts the version in force and supersedes the last."""
    signing.side_of(actor, document=DOCUMENT)  # refuse a non-signer before taking locks
    # Locking every version serialises signers, so two versions never come into force at once.
    locked = list(
        SalesReadyDefinition.objects.select_for_update(of=("self",))
        .select_related("marketing_signed_by", "sales_signed_by")
        .order_by("pk")
    )
    definition = next((d for d in locked if d.version == version), None)
    if definition is None:
        raise NotFound(f"No sales-ready definition version {version}.", field="version")
    current = next((d for d in locked if d.in_force_from and not d.superseded_at), None)
    now = now or timezone.now()
    side, complete = signing.add_signature(
        definition, actor=actor, current=current, now=now, name=DOCUMENT
    )
    _definition_event(definition, "definition.signed", actor, {"side": side}, now)
    if complete:
        _put_in_force(definition, current, actor, now)
    return definition


def _put_in_force(
    definition: SalesReadyDefinition,
    current: SalesReadyDefinition | None,
    actor: Any,
    now: datetime,
) -> None:
    if current is not None:
        current.superseded_at = now
        current.save(update_fields=["superseded_at"])
        _definition_event(
            current, "definition.superseded", actor, {"superseded_by": definition.version}, now
        )
    definition.in_force_from = now
    definition.save(update_fields=["in_force_from"])
    supersedes = current.version if current else None
    _definition_event(definition, "definition.in_force", actor, {"supersedes": supersedes}, now)
    _refresh_all_later()


def _refresh_all_later() -> None:
    from truce.scoring.tasks import rescore_all

    transaction.on_commit(rescore_all.enqueue)


# Qualification.


def mql_stage() -> Stage:
    stage = Stage.objects.filter(key=MQL).first()
    if stage is None:
        raise NotFound("The funnel has no 'mql' stage to qualify leads into.", field="stage")
    return stage


def is_eligible(lead: Lead, mql: Stage) -> bool:
    return (
        lead.outcome == Outcome.OPEN
        and lead.qualified_at is None
        and lead.stage.position < mql.position
    )


def _route(lead: Lead, actor: Any) -> None:
    from truce.assignment.services import route_lead

    route_lead(lead=lead, actor=actor)


def qualify_if_ready(
    *, lead: Lead, definition: SalesReadyDefinition, mql: Stage, actor: Any, now: datetime
) -> Lead | None:
    """Make the lead an MQL if it satisfies the definition; the qualified lead, or None."""
    if not is_eligible(lead, mql) or not scoring.rule_holds(definition.rule, lead_facts(lead)):
        return None
    try:
        lead = move_lead(lead=lead, stage=mql, actor=actor, occurred_at=now)
    except EntryCriterionFailed as refusal:
        logger.info("Lead %s meets the definition but not MQL entry: %s", lead.pk, refusal)
        return None
    lead.qualified_at, lead.qualified_by = now, definition
    lead.save(update_fields=["qualified_at", "qualified_by"])
    _lead_event(
        lead, "lead.qualified", actor, {"definition_version": definition.version}, occurred_at=now
    )
    _route(lead, actor)
    return lead


def _locked(lead_ids: Sequence[int], *, skip_locked: bool = False) -> list[Lead]:
    return list(
        Lead.objects.select_for_update(of=("self",), skip_locked=skip_locked)
        .select_related("contact", "company", "stage", "owner", "campaign")
        .filter(pk__in=lead_ids)
        .order_by("pk")
    )


@transaction.atomic
def refresh_lead(*, lead_id: int, actor: Any, now: datetime | None = None) -> Lead:
    """Rescore the lead, then qualify it (and route it) if it now meets the definition."""
    now = now or timezone.now()
    leads = _locked([lead_id])
    if not leads:
        raise NotFound(f"No lead with id {lead_id}.", field="lead_id")
    lead = leads[0]
    scoring.rescore_leads(leads=[lead], actor=actor, now=now)
    definition = definition_in_force()
    if definition is not None:
        lead = (
            qualify_if_ready(
                lead=lead, definition=definition, mql=mql_stage(), actor=actor, now=now
            )
            or lead
        )
    return lead


@transaction.atomic
def refresh_chunk(*, lead_ids: Sequence[int], actor: Any, now: datetime) -> tuple[int, int]:
    """Rescore and qualify a chunk of leads; leads locked by another writer are left to it.
    Returns (scores changed, leads qualified)."""
    leads = _locked(lead_ids, skip_locked=True)
    changed = scoring.rescore_leads(leads=leads, actor=actor, now=now)
    definition = definition_in_force()
    qualified = 0
    if definition is not None:
        mql = mql_stage()
        for lead in leads:
            if qualify_if_ready(lead=lead, definition=definition, mql=mql, actor=actor, now=now):
                qualified += 1
    return len(changed), qualified


def refresh_open_leads(
    *, actor: Any = None, now: datetime | None = None, chunk_size: int = CHUNK
) -> tuple[int, int]:
    """Every open lead, one transaction per chunk, so decay is applied and a definition that
    came into force reaches the leads that already meet it. Running it twice changes nothing."""
    now = now or timezone.now()
    changed = qualified = 0
    last = 0
    while True:
        ids = list(
            Lead.objects.filter(outcome=Outcome.OPEN, pk__gt=last)
            .order_by("pk")
            .values_list("pk", flat=True)[:chunk_size]
        )
        if not ids:
            return changed, qualified
        c, q = refresh_chunk(lead_ids=ids, actor=actor, now=now)
        changed, qualified, last = changed + c, qualified + q, ids[-1]
