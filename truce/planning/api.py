"""REST endpoints of planning (see docs/reference/api.md): plans, their revisions and
findings, and joint review meetings. Every signed-in user reads; the services decide writes."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema
from pydantic import Field

from truce.api import references
from truce.api.auth import actor
from truce.api.idempotency import create_once
from truce.api.pagination import Cursor, Limit, page
from truce.api.responses import json_response
from truce.api.schemas import ERRORS, Id, IdempotencyKey, Input
from truce.errors import DomainError

from . import selectors, services
from .models import IncentiveKind, PeriodKind, Plan, PlanRevision

router = Router(tags=["planning"])

Money = Annotated[Decimal, Field(ge=0, lt=Decimal("1e12"), max_digits=14, decimal_places=2)]
Count = Annotated[int, Field(ge=0, le=1_000_000)]
Line = Annotated[str, Field(max_length=64)]
Note = Annotated[str, Field(max_length=500)]


class IncentiveIo(Input):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    kind: IncentiveKind
    amount: Money


class MarketingOut(Schema):
    budget: Decimal
    planned_campaigns: int
    campaign_ids: list[int]
    lead_target: int


class SalesOut(Schema):
    revenue_target: Decimal
    incentives: list[IncentiveIo]
    reps: int
    touches_per_rep_per_week: int


class FindingOut(Schema):
    id: int
    code: str
    severity: str
    message: str
    numbers: dict[str, Any]
    resolved_by_decision_id: int | None
    resolved_at: datetime | None


class PlanOut(Schema):
    id: int
    period_kind: PeriodKind
    period_start: date
    period: str = Field(description="2026-Q1 or 2026-01.")
    product_line: str
    segment: str
    revision: int
    revised_at: datetime
    revised_by: str | None
    note: str
    marketing: MarketingOut
    sales: SalesOut
    open_findings: int
    findings: list[FindingOut] | None = Field(
        None, description="The current revision's findings (on a single plan, not in lists)."
    )


class PlanPage(Schema):
    items: list[PlanOut]
    next_cursor: str | None


class RevisionPage(Schema):
    items: list[PlanOut]


class PlanFields(Input):
    budget: Money = Decimal(0)
    planned_campaigns: Count = 0
    campaign_ids: list[Id] = Field(default_factory=list, max_length=200)
    lead_target: Count = 0
    revenue_target: Money = Decimal(0)
    incentives: list[IncentiveIo] = Field(default_factory=list, max_length=20)
    reps: Count = 0
    touches_per_rep_per_week: Count = 0
    note: Note = ""


class PlanIn(PlanFields):
    period_kind: PeriodKind
    period_start: date = Field(description="The first day of the month or quarter.")
    product_line: Line = ""
    segment: Line = ""


class PlanPatch(PlanFields):
    """Only the fields sent change; each side needs its team's owner (or an admin)."""

    base_revision: Annotated[int, Field(ge=1)] | None = Field(
        None, description="The revision you edited; a 409 if the plan moved on since."
    )


class DecisionIn(Input):
    text: Annotated[str, Field(min_length=1, max_length=2000)]
    owner: Annotated[str, Field(description="Username of who carries it out.")]
    due_on: date
    resolves: list[Id] = Field(default_factory=list, description="Finding ids it resolves.")


class ReviewIn(Input):
    held_on: date
    attendees: list[str] = Field(min_length=1, max_length=100, description="Usernames.")
    notes: Annotated[str, Field(max_length=10_000)] = ""
    decisions: list[DecisionIn] = Field(default_factory=list, max_length=50)


class DecisionOut(Schema):
    id: int
    text: str
    owner: str
    due_on: date
    resolves: list[int]


class ReviewOut(Schema):
    id: int
    plan_id: int
    held_on: date
    attendees: list[str]
    notes: str
    decisions: list[DecisionOut]


class ReviewPage(Schema):
    items: list[ReviewOut]


def finding_dict(finding: Any) -> dict[str, Any]:
    return {
        "id": finding.pk,
        "code": finding.code,
        "severity": finding.severity,
        "message": finding.message,
        "numbers": finding.numbers,
        "resolved_by_decision_id": finding.resolved_by_id,
        "resolved_at": finding.resolved_at,
    }


def revision_dict(plan: Plan, revision: PlanRevision, campaign_ids: list[int]) -> dict[str, Any]:
    return {
        "id": plan.pk,
        "period_kind": plan.period_kind,
        "period_start": plan.period_start,
        "period": plan.period_label,
        "product_line": plan.product_line,
        "segment": plan.segment,
        "revision": revision.number,
        "revised_at": revision.created_at,
        "revised_by": revision.created_by.username if revision.created_by else None,
        "note": revision.note,
        "marketing": {
            "budget": revision.budget,
            "planned_campaigns": revision.planned_campaigns,
            "campaign_ids": campaign_ids,
            "lead_target": revision.lead_target,
        },
        "sales": {
            "revenue_target": revision.revenue_target,
            "incentives": revision.incentives,
            "reps": revision.reps,
            "touches_per_rep_per_week": revision.touches_per_rep_per_week,
        },
        "open_findings": getattr(plan, "open_findings", 0),
    }


def plan_dict(plan: Plan, *, with_findings: bool = False) -> dict[str, Any]:
    revision = plan.current
    assert revision is not None  # a plan is created with its first revision
    ids = sorted(c.pk for c in revision.campaigns.all())
    data = revision_dict(plan, revision, ids)
    if with_findings:
        data["findings"] = [finding_dict(f) for f in selectors.findings(revision=revision)]
    return data


def review_dict(meeting: Any) -> dict[str, Any]:
    return {
        "id": meeting.pk,
        "plan_id": meeting.plan_id,
        "held_on": meeting.held_on,
        "attendees": sorted(person.username for person in meeting.attendees.all()),
        "notes": meeting.notes,
        "decisions": [
            {
                "id": d.pk,
                "text": d.text,
                "owner": d.owner.username,
                "due_on": d.due_on,
                "resolves": sorted(f.pk for f in d.findings.all()),
            }
            for d in meeting.decisions.all()
        ],
    }


_API_FIELD = {"campaigns": "campaign_ids"}


def _fields(request: HttpRequest, body: dict[str, Any]) -> dict[str, Any]:
    if "campaign_ids" in body:
        ids = body.pop("campaign_ids")
        body["campaigns"] = [
            references.campaign(actor(request), i, field="campaign_ids") for i in ids
        ]
    return body


def _renamed(call: Any) -> Any:
    """Run a service call; a refusal names the field as the API spells it."""
    try:
        return call()
    except DomainError as exc:
        if exc.field in _API_FIELD:
            exc.field = _API_FIELD[exc.field]
        raise


@router.get("/plans", response={200: PlanPage, **ERRORS})
def list_plans(request: HttpRequest, limit: Limit = 50, cursor: Cursor = None) -> HttpResponse:
    qs = selectors.plans_visible_to(user=actor(request)).prefetch_related("current__campaigns")
    rows, next_cursor = page(qs, limit=limit, cursor=cursor)
    return json_response({"items": [plan_dict(p) for p in rows], "next_cursor": next_cursor})


@router.get("/plans/{plan_id}", response={200: PlanOut, **ERRORS})
def read_plan(request: HttpRequest, plan_id: Id) -> HttpResponse:
    plan = selectors.get_plan(user=actor(request), plan_id=plan_id)
    return json_response(plan_dict(plan, with_findings=True))


@router.post("/plans", response={201: PlanOut, **ERRORS})
def create_plan(
    request: HttpRequest, payload: PlanIn, idempotency_key: IdempotencyKey = None
) -> HttpResponse:
    body = payload.model_dump(mode="json")

    def create() -> tuple[int, dict[str, Any]]:
        values = dict(body)
        scope = {k: values.pop(k) for k in ("period_kind", "product_line", "segment", "note")}
        start = date.fromisoformat(values.pop("period_start"))
        fields = _fields(request, values)
        plan = _renamed(
            lambda: services.create_plan(
                actor=actor(request), period_start=start, fields=fields, **scope
            )
        )
        fresh = selectors.get_plan(user=actor(request), plan_id=plan.pk)
        return 201, plan_dict(fresh, with_findings=True)

    return create_once(request, key=idempotency_key, body=body, create=create)


@router.patch("/plans/{plan_id}", response={200: PlanOut, **ERRORS})
def revise_plan(request: HttpRequest, plan_id: Id, payload: PlanPatch) -> HttpResponse:
    plan = selectors.get_plan(user=actor(request), plan_id=plan_id)
    changes = payload.model_dump(mode="json", exclude_unset=True)
    base, note = changes.pop("base_revision", None), changes.pop("note", "")
    changes = _fields(request, changes)
    _renamed(
        lambda: services.revise_plan(
            plan=plan, actor=actor(request), changes=changes, base_revision=base, note=note
        )
    )
    fresh = selectors.get_plan(user=actor(request), plan_id=plan_id)
    return json_response(plan_dict(fresh, with_findings=True))


@router.post("/plans/{plan_id}/recheck", response={200: PlanOut, **ERRORS})
def recheck_plan(request: HttpRequest, plan_id: Id) -> HttpResponse:
    """Run the detector again; a new revision (same values) only if the findings changed."""
    plan = selectors.get_plan(user=actor(request), plan_id=plan_id)
    services.recheck_plan(plan=plan, actor=actor(request))
    fresh = selectors.get_plan(user=actor(request), plan_id=plan_id)
    return json_response(plan_dict(fresh, with_findings=True))


@router.get("/plans/{plan_id}/revisions", response={200: RevisionPage, **ERRORS})
def list_revisions(request: HttpRequest, plan_id: Id) -> HttpResponse:
    plan = selectors.get_plan(user=actor(request), plan_id=plan_id)
    rows = selectors.revisions(plan=plan).prefetch_related("campaigns")
    items = [revision_dict(plan, r, sorted(c.pk for c in r.campaigns.all())) for r in rows]
    return json_response({"items": items})


@router.get("/plans/{plan_id}/reviews", response={200: ReviewPage, **ERRORS})
def list_reviews(request: HttpRequest, plan_id: Id) -> HttpResponse:
    plan = selectors.get_plan(user=actor(request), plan_id=plan_id)
    return json_response({"items": [review_dict(m) for m in selectors.reviews(plan=plan)]})


def _decision(index: int, entry: dict[str, Any]) -> services.DecisionEntry:
    owner = references.user_by_username(entry["owner"], field=f"decisions[{index}].owner")
    return services.DecisionEntry(
        text=entry["text"],
        owner=owner,
        due_on=date.fromisoformat(entry["due_on"]),
        resolves=tuple(entry["resolves"]),
    )


@router.post("/plans/{plan_id}/reviews", response={201: ReviewOut, **ERRORS})
def record_review(request: HttpRequest, plan_id: Id, payload: ReviewIn) -> HttpResponse:
    plan = selectors.get_plan(user=actor(request), plan_id=plan_id)
    body = payload.model_dump(mode="json")
    attendees = [references.user_by_username(u, field="attendees") for u in body["attendees"]]
    decisions = [_decision(i, d) for i, d in enumerate(body["decisions"])]
    meeting = services.record_review(
        plan=plan,
        actor=actor(request),
        held_on=date.fromisoformat(body["held_on"]),
        attendees=attendees,
        decisions=decisions,
        notes=body["notes"],
    )
    found = selectors.reviews(plan=plan).get(pk=meeting.pk)
    return json_response(review_dict(found), status=201)
