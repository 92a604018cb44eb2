"""REST endpoints for assignment: the rep's queue, accept/reject/assign, routing configuration."""

from datetime import datetime
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema
from pydantic import Field

from truce.api import references
from truce.api.auth import actor
from truce.api.responses import json_response
from truce.api.schemas import ERRORS, CompanyRef, ContactRef, Id, Input
from truce.funnel.models import Disposition, Lead
from truce.funnel.services import disposition

from . import selectors, services
from .models import Pool, PoolMember, RoutingRule

router = Router()

Name = Annotated[str, Field(min_length=1, max_length=100)]
Username = Annotated[str, Field(min_length=1, max_length=150, description="Username.")]
Weight = Annotated[int, Field(ge=1, le=1000)]
Position = Annotated[int, Field(ge=1, le=1_000_000)]
Condition = Annotated[
    str,
    Field(
        min_length=1,
        max_length=2000,
        description="A rule over the lead's facts, e.g. company_country in ['FR', 'BE'].",
    ),
]
TeamKeyIn = Annotated[str | None, Field(max_length=32, description="Team key, e.g. sales.")]


class QueueLeadOut(Schema):
    id: int
    contact: ContactRef
    company: CompanyRef | None
    stage: str = Field(description="The stage key.")
    owner: str | None = Field(description="The owner's username.")
    assigned_at: datetime | None
    disposition: Disposition
    disposition_reason: str | None = Field(description="The rejected reason key.")
    disposition_at: datetime | None
    outcome: str
    score: int
    source: str
    product_line: str


class QueueOut(Schema):
    items: list[QueueLeadOut]


class RejectIn(Input):
    reason: Annotated[str | None, Field(max_length=50, description="A rejected reason key.")]
    note: Annotated[str, Field(max_length=1000)] = ""


class AssignIn(Input):
    owner: Username
    reason: Annotated[str, Field(max_length=500)] = ""


class MemberOut(Schema):
    id: int
    user: str
    weight: int
    active: bool


class PoolOut(Schema):
    id: int
    name: str
    team: str | None
    is_default: bool
    is_active: bool
    members: list[MemberOut]


class PoolList(Schema):
    items: list[PoolOut]


class PoolIn(Input):
    name: Name
    team: TeamKeyIn = None
    is_default: bool = False


class PoolPatch(Input):
    name: Name = ""
    team: TeamKeyIn = None
    is_default: bool = False
    is_active: bool = True


class MemberIn(Input):
    user: Username
    weight: Weight = 1


class MemberPatch(Input):
    weight: Weight = 1
    active: bool = True


class RuleOut(Schema):
    id: int
    position: int
    name: str
    condition: str
    pool_id: int
    pool: str
    is_active: bool


class RuleList(Schema):
    items: list[RuleOut]


class RuleIn(Input):
    name: Name
    condition: Condition
    pool_id: Id
    position: Position | None = None


class RulePatch(Input):
    name: Name = ""
    condition: Condition = ""
    pool_id: Id = 1
    position: Position = 1
    is_active: bool = True


def queue_row(lead: Lead) -> dict[str, Any]:
    contact, company = lead.contact, lead.company
    return {
        "id": lead.pk,
        "contact": {
            "id": contact.pk,
            "email": contact.email,
            "name": f"{contact.first_name} {contact.last_name}".strip(),
        },
        "company": (
            {"id": company.pk, "name": company.name, "domain": company.domain} if company else None
        ),
        "stage": lead.stage.key,
        "owner": lead.owner.username if lead.owner else None,
        "assigned_at": lead.assigned_at,
        "disposition": lead.disposition,
        "disposition_reason": lead.disposition_reason.key if lead.disposition_reason else None,
        "disposition_at": lead.disposition_at,
        "outcome": lead.outcome,
        "score": lead.score,
        "source": lead.source,
        "product_line": lead.product_line,
    }


def _lead_response(request: HttpRequest, lead: Lead) -> HttpResponse:
    return json_response(queue_row(selectors.queue_lead(user=actor(request), lead_id=lead.pk)))


@router.get("/queue", response={200: QueueOut, **ERRORS}, tags=["assignment"])
def queue(request: HttpRequest) -> HttpResponse:
    """The caller's open leads awaiting disposition or accepted, most urgent first."""
    leads = selectors.queue_for(user=actor(request))
    return json_response({"items": [queue_row(lead) for lead in leads]})


@router.post("/leads/{lead_id}/accept", response={200: QueueLeadOut, **ERRORS}, tags=["leads"])
def accept(request: HttpRequest, lead_id: Id) -> HttpResponse:
    """The lead's owner (or a sales owner or admin) accepts it; it moves to SAL."""
    user = actor(request)
    lead = references.lead(user, lead_id)
    return _lead_response(request, disposition.accept_lead(lead=lead, actor=user))


@router.post("/leads/{lead_id}/reject", response={200: QueueLeadOut, **ERRORS}, tags=["leads"])
def reject(request: HttpRequest, lead_id: Id, payload: RejectIn) -> HttpResponse:
    """Hand the lead back to marketing with a reason key from the rejected list."""
    user = actor(request)
    lead = references.lead(user, lead_id)
    lead = disposition.reject_lead(lead=lead, reason=payload.reason, note=payload.note, actor=user)
    return _lead_response(request, lead)


@router.post("/leads/{lead_id}/assign", response={200: QueueLeadOut, **ERRORS}, tags=["leads"])
def assign(request: HttpRequest, lead_id: Id, payload: AssignIn) -> HttpResponse:
    """Reassign by hand (sales owner, marketing owner or admin); the disposition starts over."""
    user = actor(request)
    lead = references.lead(user, lead_id)
    owner = references.user_by_username(payload.owner)
    lead = services.reassign_lead(lead=lead, owner=owner, actor=user, reason=payload.reason)
    return _lead_response(request, lead)


def pool_dict(pool: Pool) -> dict[str, Any]:
    return {
        "id": pool.pk,
        "name": pool.name,
        "team": pool.team.key if pool.team else None,
        "is_default": pool.is_default,
        "is_active": pool.is_active,
        "members": [member_dict(m) for m in pool.members.all()],
    }


def member_dict(member: PoolMember) -> dict[str, Any]:
    return {
        "id": member.pk,
        "user": member.user.username,
        "weight": member.weight,
        "active": member.active,
    }


def rule_dict(rule: RoutingRule) -> dict[str, Any]:
    return {
        "id": rule.pk,
        "position": rule.position,
        "name": rule.name,
        "condition": rule.condition,
        "pool_id": rule.pool_id,
        "pool": rule.pool.name,
        "is_active": rule.is_active,
    }


def _pool_response(pool_id: int, status: int = 200) -> HttpResponse:
    return json_response(pool_dict(selectors.get_pool(pool_id=pool_id)), status=status)


def _team(changes: dict[str, Any]) -> dict[str, Any]:
    if "team" in changes:
        key = changes.pop("team")
        changes["team"] = selectors.team(key=key) if key else None
    return changes


@router.get("/routing/pools", response={200: PoolList, **ERRORS}, tags=["routing"])
def list_pools(request: HttpRequest) -> HttpResponse:
    return json_response({"items": [pool_dict(p) for p in selectors.pools()]})


@router.post("/routing/pools", response={201: PoolOut, **ERRORS}, tags=["routing"])
def create_pool(request: HttpRequest, payload: PoolIn) -> HttpResponse:
    """A named group of sales people; the default pool takes leads no rule matches."""
    fields = _team(payload.model_dump())
    pool = services.create_pool(actor=actor(request), **fields)
    return _pool_response(pool.pk, status=201)


@router.get("/routing/pools/{pool_id}", response={200: PoolOut, **ERRORS}, tags=["routing"])
def read_pool(request: HttpRequest, pool_id: Id) -> HttpResponse:
    return _pool_response(pool_id)


@router.patch("/routing/pools/{pool_id}", response={200: PoolOut, **ERRORS}, tags=["routing"])
def update_pool(request: HttpRequest, pool_id: Id, payload: PoolPatch) -> HttpResponse:
    pool = selectors.get_pool(pool_id=pool_id)
    changes = _team(payload.model_dump(exclude_unset=True))
    services.update_pool(pool=pool, actor=actor(request), changes=changes)
    return _pool_response(pool_id)


@router.post(
    "/routing/pools/{pool_id}/members", response={201: PoolOut, **ERRORS}, tags=["routing"]
)
def add_member(request: HttpRequest, pool_id: Id, payload: MemberIn) -> HttpResponse:
    pool = selectors.get_pool(pool_id=pool_id)
    user = references.user_by_username(payload.user, field="user")
    services.add_member(pool=pool, user=user, weight=payload.weight, actor=actor(request))
    return _pool_response(pool_id, status=201)


@router.patch(
    "/routing/pools/{pool_id}/members/{member_id}",
    response={200: PoolOut, **ERRORS},
    tags=["routing"],
)
def update_member(
    request: HttpRequest, pool_id: Id, member_id: Id, payload: MemberPatch
) -> HttpResponse:
    member = selectors.get_member(pool=selectors.get_pool(pool_id=pool_id), member_id=member_id)
    changes = payload.model_dump(exclude_unset=True)
    services.update_member(member=member, actor=actor(request), changes=changes)
    return _pool_response(pool_id)


@router.delete(
    "/routing/pools/{pool_id}/members/{member_id}",
    response={200: PoolOut, **ERRORS},
    tags=["routing"],
)
def remove_member(request: HttpRequest, pool_id: Id, member_id: Id) -> HttpResponse:
    member = selectors.get_member(pool=selectors.get_pool(pool_id=pool_id), member_id=member_id)
    services.remove_member(member=member, actor=actor(request))
    return _pool_response(pool_id)


@router.get("/routing/rules", response={200: RuleList, **ERRORS}, tags=["routing"])
def list_rules(request: HttpRequest) -> HttpResponse:
    """In the order they are tried: the first whose condition holds picks the pool."""
    return json_response({"items": [rule_dict(r) for r in selectors.rules()]})


@router.post("/routing/rules", response={201: RuleOut, **ERRORS}, tags=["routing"])
def create_rule(request: HttpRequest, payload: RuleIn) -> HttpResponse:
    pool = selectors.get_pool(pool_id=payload.pool_id, field="pool_id")
    rule = services.create_rule(
        name=payload.name,
        condition=payload.condition,
        pool=pool,
        position=payload.position,
        actor=actor(request),
    )
    return json_response(rule_dict(selectors.get_rule(rule_id=rule.pk)), status=201)


@router.get("/routing/rules/{rule_id}", response={200: RuleOut, **ERRORS}, tags=["routing"])
def read_rule(request: HttpRequest, rule_id: Id) -> HttpResponse:
    return json_response(rule_dict(selectors.get_rule(rule_id=rule_id)))


@router.patch("/routing/rules/{rule_id}", response={200: RuleOut, **ERRORS}, tags=["routing"])
def update_rule(request: HttpRequest, rule_id: Id, payload: RulePatch) -> HttpResponse:
    rule = selectors.get_rule(rule_id=rule_id)
    changes = payload.model_dump(exclude_unset=True)
    if "pool_id" in changes:
        changes["pool"] = selectors.get_pool(pool_id=changes.pop("pool_id"), field="pool_id")
    services.update_rule(rule=rule, actor=actor(request), changes=changes)
    return json_response(rule_dict(selectors.get_rule(rule_id=rule_id)))


@router.delete("/routing/rules/{rule_id}", response={204: None, **ERRORS}, tags=["routing"])
def delete_rule(request: HttpRequest, rule_id: Id) -> HttpResponse:
    services.delete_rule(rule=selectors.get_rule(rule_id=rule_id), actor=actor(request))
    return HttpResponse(status=204)
