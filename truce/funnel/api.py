"""REST endpoints for leads (lifecycle actions, timeline) and the shared vocabulary."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from pydantic import Field

from truce.api import references
from truce.api.auth import actor
from truce.api.idempotency import create_once
from truce.api.pagination import Cursor, Limit, page
from truce.api.responses import json_response
from truce.api.schemas import ERRORS, CompanyRef, ContactRef, Id, IdempotencyKey, Input
from truce.errors import NotFound
from truce.ledger.selectors import lead_timeline

from . import selectors, services
from .models import Lead, Outcome, ReasonKind

router = Router()

# The lead list is the hot path: rows come straight from one query as dicts, no model instances.
_LEAD_COLUMNS = (
    "id",
    "contact_id",
    "contact__email",
    "contact__first_name",
    "contact__last_name",
    "company_id",
    "company__name",
    "company__domain",
    "source",
    "campaign_id",
    "owner__username",
    "stage__key",
    "stage_entered_at",
    "score",
    "facts",
    "product_line",
    "amount",
    "outcome",
    "outcome_reason__key",
    "outcome_at",
    "touch_count",
    "sales_touch_count",
    "first_touch_at",
    "last_touch_at",
    "first_sales_touch_at",
    "external_id",
    "created_at",
    "updated_at",
)

Text64 = Annotated[str, Field(max_length=64)]
Amount = Annotated[Decimal | None, Field(ge=0, lt=Decimal("1e12"), decimal_places=2)]
Score = Annotated[int, Field(ge=-2_147_483_648, le=2_147_483_647)]
ExternalId = Annotated[str | None, Field(max_length=100)]


class LeadOut(Schema):
    id: int
    contact: ContactRef
    company: CompanyRef | None
    source: str
    campaign_id: Id | None
    owner: str | None = Field(description="The owner's username.")
    stage: str = Field(description="The stage key.")
    stage_entered_at: datetime
    score: int
    facts: dict[str, Any]
    product_line: str
    amount: str | None = Field(description='A decimal as a string, e.g. "1200.00".')
    outcome: Outcome
    outcome_reason: str | None = Field(description="The reason key.")
    outcome_at: datetime | None
    touch_count: int
    sales_touch_count: int
    first_touch_at: datetime | None
    last_touch_at: datetime | None
    first_sales_touch_at: datetime | None
    external_id: str | None
    created_at: datetime
    updated_at: datetime


class LeadPage(Schema):
    items: list[LeadOut]
    next_cursor: str | None


class LeadIn(Input):
    contact_id: Id
    stage: Annotated[str | None, Field(max_length=50, description="Stage key.")] = None
    source: Text64 = ""
    campaign_id: Id | None = None
    owner: Annotated[str | None, Field(max_length=150, description="Username.")] = None
    score: Score = 0
    facts: dict[str, Any] = {}
    product_line: Text64 = ""
    amount: Amount = None
    external_id: ExternalId = None


class LeadPatch(Input):
    """Only the fields sent change. Stage and outcome change through their own actions."""

    source: Text64 = ""
    campaign_id: Id | None = None
    owner: Annotated[str | None, Field(max_length=150, description="Username or null.")] = None
    score: Score = 0
    facts: dict[str, Any] = {}
    product_line: Text64 = ""
    amount: Amount = None
    external_id: ExternalId = None


class MoveIn(Input):
    stage: Annotated[str, Field(min_length=1, max_length=50, description="Stage key.")]


class OutcomeIn(Input):
    outcome: Literal["won", "lost", "recycled", "disqualified"]
    reason: Annotated[str | None, Field(max_length=50, description="Reason key.")] = None
    amount: Amount = None


class EventOut(Schema):
    seq: int
    kind: str
    occurred_at: datetime
    actor: str | None = Field(description="The actor's username; null for the system.")
    payload: dict[str, Any]


class TimelineOut(Schema):
    items: list[EventOut]


class StageOut(Schema):
    key: str
    name: str
    team: str
    position: int
    definition: str
    entry_criteria: list[Any]
    max_dwell_days: int | None
    collateral: list[Any]
    is_won: bool


class StageList(Schema):
    items: list[StageOut]


class ReasonOut(Schema):
    kind: str
    key: str
    label: str
    position: int


class ReasonList(Schema):
    items: list[ReasonOut]


class ApprovalOut(Schema):
    approver: str
    approved_at: datetime


class TermVersionOut(Schema):
    version: int
    definition: str
    proposed_by: str | None
    created_at: datetime
    approvals: list[ApprovalOut]


class TermOut(Schema):
    key: str
    name: str
    versions: list[TermVersionOut]


class Glossary(Schema):
    items: list[TermOut]


class LeadQuery(Schema):
    stage: str = Field("", max_length=50, description="Stage key.")
    outcome: Outcome | None = None
    owner: str = Field("", max_length=150, description='Username, or "none" for unassigned.')
    source: str = Field("", max_length=64)
    campaign_id: Id | None = None
    product_line: str = Field("", max_length=64)
    created_after: datetime | None = Field(None, description="Created at or after (ISO 8601).")
    created_before: datetime | None = Field(None, description="Created before (ISO 8601).")
    q: str = Field("", max_length=200, description="Prefix of email, name or company name.")


def lead_row(row: dict[str, Any]) -> dict[str, Any]:
    name = f"{row['contact__first_name']} {row['contact__last_name']}".strip()
    company = None
    if row["company_id"] is not None:
        company = {
            "id": row["company_id"],
            "name": row["company__name"],
            "domain": row["company__domain"],
        }
    return {
        "id": row["id"],
        "contact": {"id": row["contact_id"], "email": row["contact__email"], "name": name},
        "company": company,
        "source": row["source"],
        "campaign_id": row["campaign_id"],
        "owner": row["owner__username"],
        "stage": row["stage__key"],
        "stage_entered_at": row["stage_entered_at"],
        "score": row["score"],
        "facts": row["facts"],
        "product_line": row["product_line"],
        "amount": row["amount"],
        "outcome": row["outcome"],
        "outcome_reason": row["outcome_reason__key"],
        "outcome_at": row["outcome_at"],
        "touch_count": row["touch_count"],
        "sales_touch_count": row["sales_touch_count"],
        "first_touch_at": row["first_touch_at"],
        "last_touch_at": row["last_touch_at"],
        "first_sales_touch_at": row["first_sales_touch_at"],
        "external_id": row["external_id"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }


def _lead_dict(user: Any, lead_id: Id) -> dict[str, Any]:
    row = selectors.leads_visible_to(user=user).filter(pk=lead_id).values(*_LEAD_COLUMNS).first()
    if row is None:
        raise NotFound(f"No lead with id {lead_id}.", field="lead_id")
    return lead_row(row)


def _lead_response(request: HttpRequest, lead: Lead, status: int = 200) -> HttpResponse:
    return json_response(_lead_dict(actor(request), lead.pk), status=status)


def _references(user: Any, payload: dict[str, Any]) -> dict[str, Any]:
    """Swap the ids and usernames of a body for the records the services take."""
    if "campaign_id" in payload:
        payload["campaign"] = references.campaign(user, payload.pop("campaign_id"))
    if "owner" in payload:
        payload["owner"] = references.user_by_username(payload["owner"])
    return payload


@router.get("/leads", response={200: LeadPage, **ERRORS}, tags=["leads"])
def list_leads(
    request: HttpRequest,
    filters: Query[LeadQuery],
    limit: Limit = 50,
    cursor: Cursor = None,
) -> HttpResponse:
    """Newest first. All filters combine (AND)."""
    f = selectors.LeadFilters(
        search=filters.q,
        stage=filters.stage,
        outcome=filters.outcome or "",
        owner=filters.owner,
        source=filters.source,
        campaign_id=filters.campaign_id,
        product_line=filters.product_line,
        created_after=filters.created_after,
        created_before=filters.created_before,
    )
    qs = selectors.leads_visible_to(user=actor(request), filters=f).values(*_LEAD_COLUMNS)
    rows, next_cursor = page(qs, limit=limit, cursor=cursor)
    return json_response({"items": [lead_row(r) for r in rows], "next_cursor": next_cursor})


@router.get("/leads/{lead_id}", response={200: LeadOut, **ERRORS}, tags=["leads"])
def read_lead(request: HttpRequest, lead_id: Id) -> HttpResponse:
    return json_response(_lead_dict(actor(request), lead_id))


@router.post("/leads", response={201: LeadOut, **ERRORS}, tags=["leads"])
def create_lead(
    request: HttpRequest, payload: LeadIn, idempotency_key: IdempotencyKey = None
) -> HttpResponse:
    body = payload.model_dump()
    user = actor(request)

    def create() -> tuple[int, dict[str, Any]]:
        fields = _references(user, dict(body))
        fields["contact"] = references.contact(fields.pop("contact_id"))
        key = fields.pop("stage")
        fields["stage"] = references.stage(key) if key is not None else None
        lead = services.create_lead(actor=user, **fields)
        return 201, _lead_dict(user, lead.pk)

    return create_once(request, key=idempotency_key, body=body, create=create)


@router.patch("/leads/{lead_id}", response={200: LeadOut, **ERRORS}, tags=["leads"])
def update_lead(request: HttpRequest, lead_id: Id, payload: LeadPatch) -> HttpResponse:
    user = actor(request)
    lead = selectors.get_lead(user=user, lead_id=lead_id)
    changes = _references(user, payload.model_dump(exclude_unset=True))
    lead = services.update_lead(lead=lead, actor=user, changes=changes)
    return _lead_response(request, lead)


@router.post("/leads/{lead_id}/move", response={200: LeadOut, **ERRORS}, tags=["leads"])
def move_lead(request: HttpRequest, lead_id: Id, payload: MoveIn) -> HttpResponse:
    """Move an open lead to another stage; the stage's entry criteria must hold (else 409)."""
    user = actor(request)
    lead = selectors.get_lead(user=user, lead_id=lead_id)
    lead = services.move_lead(lead=lead, stage=references.stage(payload.stage), actor=user)
    return _lead_response(request, lead)


@router.post("/leads/{lead_id}/outcome", response={200: LeadOut, **ERRORS}, tags=["leads"])
def set_outcome(request: HttpRequest, lead_id: Id, payload: OutcomeIn) -> HttpResponse:
    """Won needs an amount (here or already on the lead); the others need a reason key."""
    user = actor(request)
    lead = selectors.get_lead(user=user, lead_id=lead_id)
    lead = services.set_outcome(
        lead=lead, outcome=payload.outcome, reason=payload.reason, amount=payload.amount, actor=user
    )
    return _lead_response(request, lead)


@router.post("/leads/{lead_id}/reopen", response={200: LeadOut, **ERRORS}, tags=["leads"])
def reopen_lead(request: HttpRequest, lead_id: Id) -> HttpResponse:
    user = actor(request)
    lead = selectors.get_lead(user=user, lead_id=lead_id)
    return _lead_response(request, services.reopen_lead(lead=lead, actor=user))


@router.get("/leads/{lead_id}/timeline", response={200: TimelineOut, **ERRORS}, tags=["leads"])
def timeline(request: HttpRequest, lead_id: Id) -> HttpResponse:
    """The lead's ledger events, oldest first."""
    lead = selectors.get_lead(user=actor(request), lead_id=lead_id)
    items = [
        {
            "seq": e.seq,
            "kind": e.kind,
            "occurred_at": e.occurred_at,
            "actor": e.actor.username if e.actor else None,
            "payload": e.payload,
        }
        for e in lead_timeline(lead_id=lead.pk)
    ]
    return json_response({"items": items})


def stage_dict(stage: Any) -> dict[str, Any]:
    return {name: getattr(stage, name) for name in StageOut.model_fields}


@router.get("/stages", response={200: StageList, **ERRORS}, tags=["vocabulary"])
def list_stages(request: HttpRequest) -> HttpResponse:
    """The active funnel stages in order."""
    return json_response({"items": [stage_dict(s) for s in selectors.stages()]})


@router.get("/stages/{key}", response={200: StageOut, **ERRORS}, tags=["vocabulary"])
def read_stage(request: HttpRequest, key: str) -> HttpResponse:
    return json_response(stage_dict(selectors.get_stage(key=key)))


@router.get("/reasons", response={200: ReasonList, **ERRORS}, tags=["vocabulary"])
def list_reasons(request: HttpRequest, kind: ReasonKind | None = None) -> HttpResponse:
    """The active reason lists (lost, rejected, recycled, disqualified), optionally one kind."""
    items = [
        {"kind": r.kind, "key": r.key, "label": r.label, "position": r.position}
        for r in selectors.reasons(kind=kind or "")
    ]
    return json_response({"items": items})


def _term_dict(term: Any) -> dict[str, Any]:
    versions = [
        {
            "version": v.version,
            "definition": v.definition,
            "proposed_by": v.proposed_by.username if v.proposed_by else None,
            "created_at": v.created_at,
            "approvals": [
                {"approver": a.approver.username, "approved_at": a.approved_at}
                for a in v.approvals.all()
            ],
        }
        for v in term.versions.all()
    ]
    return {"key": term.key, "name": term.name, "versions": versions}


@router.get("/glossary", response={200: Glossary, **ERRORS}, tags=["vocabulary"])
def glossary(request: HttpRequest) -> HttpResponse:
    """Every agreed term with its versions, newest first, and who approved each."""
    return json_response({"items": [_term_dict(t) for t in selectors.glossary()]})


# The sales-ready definition and scoring have their own modules; they share this router's mount.
def _mount_definitions_and_scoring() -> None:
    from truce.scoring.api import router as scoring_router

    from .definitions_api import router as definitions_router

    router.add_router("", definitions_router)
    router.add_router("", scoring_router)


_mount_definitions_and_scoring()
