"""The shared vocabulary: stages, glossary terms and their approved versions, reason lists."""

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from truce.errors import Conflict, DomainError
from truce.identity.permissions import require
from truce.ledger import services as ledger

from ..models import Reason, ReasonKind, Stage, Term, TermApproval, TermVersion
from ..rules import parse_criteria

STAGE_FIELDS = (
    "name",
    "team",
    "definition",
    "entry_criteria",
    "max_dwell_days",
    "collateral",
    "is_active",
)


@transaction.atomic
def create_stage(
    *,
    key: str,
    name: str,
    team: str,
    position: int,
    definition: str,
    actor: Any,
    **fields: Any,
) -> Stage:
    """Add a stage to the funnel at `position` (stages are ordered by position)."""
    require(actor, "configure_funnel")
    parse_criteria(fields.get("entry_criteria", []))
    if Stage.objects.filter(key=key).exists():
        raise Conflict(f"A stage with key {key!r} exists already.", field="key")
    if Stage.objects.filter(position=position).exists():
        raise Conflict(f"Position {position} is taken.", field="position")
    stage = Stage.objects.create(
        key=key, name=name, team=team, position=position, definition=definition, **fields
    )
    ledger.append(
        kind="stage.created",
        subject_type="stage",
        subject_id=stage.pk,
        actor=actor,
        payload={
            "key": key,
            "name": name,
            "team": team,
            "position": position,
            "definition": definition,
            **fields,
        },
    )
    return stage


@transaction.atomic
def update_stage(*, stage: Stage, actor: Any, changes: dict[str, Any]) -> Stage:
    """Rename or redefine a stage. Its key is permanent, so history keeps its meaning."""
    require(actor, "configure_funnel")
    unknown = set(changes) - set(STAGE_FIELDS)
    if unknown:
        raise DomainError(f"{sorted(unknown)[0]!r} cannot be changed.", field=sorted(unknown)[0])
    if "entry_criteria" in changes:
        parse_criteria(changes["entry_criteria"])
    diff = {k: [getattr(stage, k), v] for k, v in changes.items() if getattr(stage, k) != v}
    for name, (_, new) in diff.items():
        setattr(stage, name, new)
    if diff:
        stage.save(update_fields=list(diff))
        ledger.append(
            kind="stage.updated",
            subject_type="stage",
            subject_id=stage.pk,
            actor=actor,
            payload={"key": stage.key, "changes": diff},
        )
    return stage


@transaction.atomic
def propose_term_version(*, term_key: str, name: str, definition: str, actor: Any) -> TermVersion:
    require(actor, "configure_funnel")
    if not definition.strip():
        raise DomainError("A definition cannot be empty.", field="definition")
    term, _ = Term.objects.get_or_create(key=term_key, defaults={"name": name})
    latest = term.versions.aggregate(n=Max("version"))["n"] or 0
    version = TermVersion.objects.create(
        term=term,
        version=latest + 1,
        definition=definition.strip(),
        proposed_by=actor,
        created_at=timezone.now(),
    )
    ledger.append(
        kind="glossary.version_proposed",
        subject_type="term",
        subject_id=term.pk,
        actor=actor,
        payload={"key": term.key, "version": version.version, "definition": version.definition},
    )
    return version


@transaction.atomic
def approve_term_version(*, version: TermVersion, actor: Any) -> TermApproval:
    require(actor, "configure_funnel")
    if version.approvals.filter(approver=actor).exists():
        raise Conflict("You already approved this version.", field="version")
    approval = TermApproval.objects.create(
        version=version, approver=actor, approved_at=timezone.now()
    )
    ledger.append(
        kind="glossary.version_approved",
        subject_type="term",
        subject_id=version.term_id,
        actor=actor,
        payload={"key": version.term.key, "version": version.version},
    )
    return approval


@transaction.atomic
def add_reason(*, kind: str, key: str, label: str, actor: Any) -> Reason:
    require(actor, "configure_funnel")
    if kind not in ReasonKind.values:
        raise DomainError(f"{kind!r} is not a reason list.", field="kind")
    if Reason.objects.filter(kind=kind, key=key).exists():
        raise Conflict(f"The {kind} list already has {key!r}.", field="key")
    position = (Reason.objects.filter(kind=kind).aggregate(n=Max("position"))["n"] or 0) + 1
    reason = Reason.objects.create(kind=kind, key=key, label=label, position=position)
    ledger.append(
        kind="reason.added",
        subject_type="reason",
        subject_id=reason.pk,
        actor=actor,
        payload={"kind": kind, "key": key, "label": label},
    )
    return reason
