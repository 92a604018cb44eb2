"""REST endpoints for the scoring rules and a lead's score with the rules behind it."""

from datetime import datetime
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from pydantic import Field

from truce.api import references
from truce.api.auth import actor
from truce.api.idempotency import create_once
from truce.api.responses import json_response
from truce.api.schemas import ERRORS, Id, IdempotencyKey, Input
from truce.funnel import selectors as funnel_selectors

from . import selectors, services
from .models import RuleKind, ScoringRule

router = Router(tags=["scoring"])

Points = Annotated[int, Field(ge=-services.MAX_POINTS, le=services.MAX_POINTS)]
HalfLife = Annotated[int | None, Field(ge=1, le=36500, description="Days; null: no decay.")]
Expression = Annotated[
    str, Field(max_length=2000, description="Fit rules: a rule over the lead's facts.")
]
TouchKindText = Annotated[str, Field(max_length=32, description="Engagement rules: touch kind.")]
Channel = Annotated[str, Field(max_length=64, description="Engagement rules: blank for any.")]


class RuleOut(Schema):
    id: int
    kind: RuleKind
    name: str
    points: int
    expression: str
    touch_kind: str
    channel: str
    campaign_id: int | None
    half_life_days: int | None
    is_active: bool
    created_at: datetime
    updated_at: datetime


class RuleList(Schema):
    items: list[RuleOut]


class RuleIn(Input):
    kind: RuleKind
    name: Annotated[str, Field(min_length=1, max_length=100)]
    points: Points
    expression: Expression = ""
    touch_kind: TouchKindText = ""
    channel: Channel = ""
    campaign_id: Id | None = None
    half_life_days: HalfLife = None


class RulePatch(Input):
    """Only the fields sent change; `is_active: false` deactivates the rule."""

    name: Annotated[str, Field(min_length=1, max_length=100)] = ""
    points: Points = 0
    expression: Expression = ""
    touch_kind: TouchKindText = ""
    channel: Channel = ""
    campaign_id: Id | None = None
    half_life_days: HalfLife = None
    is_active: bool = True


class RuleQuery(Schema):
    kind: RuleKind | None = None
    active: bool | None = None


class ExplanationLine(Schema):
    rule_id: int
    name: str
    kind: RuleKind
    points: int


class ScoreOut(Schema):
    lead_id: int
    fit_score: int
    engagement_score: int
    score: int
    scored_at: datetime | None
    explanation: list[ExplanationLine] = Field(
        description="The rules that produced the score; their points sum to it."
    )


def rule_dict(rule: ScoringRule) -> dict[str, Any]:
    return {name: getattr(rule, name) for name in RuleOut.model_fields}


def _with_campaign(user: Any, body: dict[str, Any]) -> dict[str, Any]:
    if "campaign_id" in body:
        body["campaign"] = references.campaign(user, body.pop("campaign_id"))
    return body


@router.get("/scoring/rules", response={200: RuleList, **ERRORS})
def list_rules(request: HttpRequest, filters: Query[RuleQuery]) -> HttpResponse:
    qs = selectors.scoring_rules(kind=filters.kind or "", active=filters.active)
    return json_response({"items": [rule_dict(r) for r in qs]})


@router.post("/scoring/rules", response={201: RuleOut, **ERRORS})
def create_rule(
    request: HttpRequest, payload: RuleIn, idempotency_key: IdempotencyKey = None
) -> HttpResponse:
    """A bad expression is a 400 `invalid_rule` with the position and the reason."""
    body = payload.model_dump()
    user = actor(request)

    def create() -> tuple[int, dict[str, Any]]:
        rule = services.create_rule(actor=user, **_with_campaign(user, dict(body)))
        return 201, rule_dict(rule)

    return create_once(request, key=idempotency_key, body=body, create=create)


@router.patch("/scoring/rules/{rule_id}", response={200: RuleOut, **ERRORS})
def update_rule(request: HttpRequest, rule_id: Id, payload: RulePatch) -> HttpResponse:
    user = actor(request)
    rule = selectors.get_rule(rule_id=rule_id)
    changes = _with_campaign(user, payload.model_dump(exclude_unset=True))
    return json_response(rule_dict(services.update_rule(rule=rule, actor=user, changes=changes)))


@router.get("/leads/{lead_id}/score", response={200: ScoreOut, **ERRORS})
def lead_score(request: HttpRequest, lead_id: Id) -> HttpResponse:
    lead = funnel_selectors.get_lead(user=actor(request), lead_id=lead_id)
    return json_response(
        {
            "lead_id": lead.pk,
            "fit_score": lead.fit_score,
            "engagement_score": lead.engagement_score,
            "score": lead.score,
            "scored_at": lead.scored_at,
            "explanation": lead.score_explanation or [],
        }
    )


def _mount_predictive() -> None:
    from .predictive.api import router as predictive_router

    router.add_router("", predictive_router)


_mount_predictive()
