"""REST endpoints for campaigns and touches."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from pydantic import Field

from truce.api import references
from truce.api.auth import actor
from truce.api.idempotency import create_once
from truce.api.pagination import Cursor, Limit, page
from truce.api.responses import json_response
from truce.api.schemas import ERRORS, MAX_ID, Id, IdempotencyKey, Input
from truce.errors import NotFound

from . import selectors, services
from .models import TouchKind

router = Router()

Text64 = Annotated[str, Field(max_length=64)]
Budget = Annotated[Decimal, Field(ge=0, lt=Decimal("1e12"), decimal_places=2)]


class CampaignOut(Schema):
    id: int
    name: str
    channel: str
    product_line: str
    budget: str = Field(description="A decimal as a string.")
    starts_on: date | None
    ends_on: date | None
    owner: str | None = Field(description="The owner's username.")
    created_at: datetime
    updated_at: datetime


class CampaignPage(Schema):
    items: list[CampaignOut]
    next_cursor: str | None


class CampaignIn(Input):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    channel: Annotated[str, Field(min_length=1, max_length=64)]
    product_line: Text64 = ""
    budget: Budget = Decimal("0")
    starts_on: date | None = None
    ends_on: date | None = None
    owner: Annotated[str | None, Field(max_length=150, description="Username.")] = None


class CampaignPatch(Input):
    name: Annotated[str, Field(min_length=1, max_length=200)] = ""
    channel: Annotated[str, Field(min_length=1, max_length=64)] = ""
    product_line: Text64 = ""
    budget: Budget = Decimal("0")
    starts_on: date | None = None
    ends_on: date | None = None
    owner: Annotated[str | None, Field(max_length=150, description="Username or null.")] = None


class TouchOut(Schema):
    id: int
    lead_id: Id
    contact_id: Id
    kind: TouchKind
    team: str
    channel: str
    campaign_id: Id | None
    actor: str | None = Field(description="The actor's username.")
    occurred_at: datetime
    collateral: str
    note: str
    created_at: datetime


class TouchPage(Schema):
    items: list[TouchOut]
    next_cursor: str | None


class TouchIn(Input):
    lead_id: Id
    kind: TouchKind
    occurred_at: datetime | None = Field(None, description="Defaults to now; never the future.")
    channel: Text64 = ""
    campaign_id: Id | None = None
    collateral: Annotated[str, Field(max_length=200)] = ""
    note: Annotated[str, Field(max_length=10_000)] = ""


class TouchPatch(Input):
    occurred_at: datetime = Field(None, description="Never in the future.")  # type: ignore[assignment]
    channel: Text64 = ""
    campaign_id: Id | None = None
    collateral: Annotated[str, Field(max_length=200)] = ""
    note: Annotated[str, Field(max_length=10_000)] = ""


def campaign_dict(campaign: Any) -> dict[str, Any]:
    return {
        "id": campaign.pk,
        "name": campaign.name,
        "channel": campaign.channel,
        "product_line": campaign.product_line,
        "budget": campaign.budget,
        "starts_on": campaign.starts_on,
        "ends_on": campaign.ends_on,
        "owner": campaign.owner.username if campaign.owner else None,
        "created_at": campaign.created_at,
        "updated_at": campaign.updated_at,
    }


def touch_dict(touch: Any) -> dict[str, Any]:
    return {
        "id": touch.pk,
        "lead_id": touch.lead_id,
        "contact_id": touch.contact_id,
        "kind": touch.kind,
        "team": touch.team,
        "channel": touch.channel,
        "campaign_id": touch.campaign_id,
        "actor": touch.actor.username if touch.actor else None,
        "occurred_at": touch.occurred_at,
        "collateral": touch.collateral,
        "note": touch.note,
        "created_at": touch.created_at,
    }


def _campaign_fields(payload: dict[str, Any]) -> dict[str, Any]:
    if "owner" in payload:
        payload["owner"] = references.user_by_username(payload["owner"])
    return payload


def _touch(user: Any, touch_id: Id) -> Any:
    touch = selectors.touches_visible_to(user=user).filter(pk=touch_id).first()
    if touch is None:
        raise NotFound(f"No touch with id {touch_id}.", field="touch_id")
    return touch


@router.get("/campaigns", response={200: CampaignPage, **ERRORS}, tags=["campaigns"])
def list_campaigns(
    request: HttpRequest,
    q: Annotated[str, Query("", max_length=200, description="Part of the name.")] = "",
    limit: Limit = 50,
    cursor: Cursor = None,
) -> HttpResponse:
    qs = selectors.campaigns_visible_to(user=actor(request), search=q)
    rows, next_cursor = page(qs, limit=limit, cursor=cursor)
    return json_response({"items": [campaign_dict(c) for c in rows], "next_cursor": next_cursor})


@router.get("/campaigns/{campaign_id}", response={200: CampaignOut, **ERRORS}, tags=["campaigns"])
def read_campaign(request: HttpRequest, campaign_id: Id) -> HttpResponse:
    return json_response(campaign_dict(references.campaign(actor(request), campaign_id)))


@router.post("/campaigns", response={201: CampaignOut, **ERRORS}, tags=["campaigns"])
def create_campaign(
    request: HttpRequest, payload: CampaignIn, idempotency_key: IdempotencyKey = None
) -> HttpResponse:
    body = payload.model_dump()

    def create() -> tuple[int, dict[str, Any]]:
        fields = _campaign_fields(dict(body))
        campaign = services.create_campaign(actor=actor(request), **fields)
        return 201, campaign_dict(campaign)

    return create_once(request, key=idempotency_key, body=body, create=create)


@router.patch("/campaigns/{campaign_id}", response={200: CampaignOut, **ERRORS}, tags=["campaigns"])
def update_campaign(request: HttpRequest, campaign_id: Id, payload: CampaignPatch) -> HttpResponse:
    user = actor(request)
    campaign = references.campaign(user, campaign_id)
    changes = _campaign_fields(payload.model_dump(exclude_unset=True))
    campaign = services.update_campaign(campaign=campaign, actor=user, changes=changes)
    return json_response(campaign_dict(campaign))


@router.get("/touches", response={200: TouchPage, **ERRORS}, tags=["touches"])
def list_touches(
    request: HttpRequest,
    lead_id: Annotated[
        int | None, Query(None, ge=1, le=MAX_ID, description="Only this lead's touches.")
    ] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> HttpResponse:
    qs = selectors.touches_visible_to(user=actor(request), lead_id=lead_id)
    rows, next_cursor = page(qs, limit=limit, cursor=cursor)
    return json_response({"items": [touch_dict(t) for t in rows], "next_cursor": next_cursor})


@router.get("/touches/{touch_id}", response={200: TouchOut, **ERRORS}, tags=["touches"])
def read_touch(request: HttpRequest, touch_id: Id) -> HttpResponse:
    return json_response(touch_dict(_touch(actor(request), touch_id)))


@router.post("/touches", response={201: TouchOut, **ERRORS}, tags=["touches"])
def create_touch(
    request: HttpRequest, payload: TouchIn, idempotency_key: IdempotencyKey = None
) -> HttpResponse:
    """Record a touch; the lead's touch counts and first/last touch times follow."""
    body = payload.model_dump()
    user = actor(request)

    def create() -> tuple[int, dict[str, Any]]:
        fields = dict(body)
        fields["lead"] = references.lead(user, fields.pop("lead_id"))
        fields["campaign"] = references.campaign(user, fields.pop("campaign_id"))
        touch = services.record_touch(actor=user, **fields)
        return 201, touch_dict(touch)

    return create_once(request, key=idempotency_key, body=body, create=create)


@router.patch("/touches/{touch_id}", response={200: TouchOut, **ERRORS}, tags=["touches"])
def update_touch(request: HttpRequest, touch_id: Id, payload: TouchPatch) -> HttpResponse:
    user = actor(request)
    touch = _touch(user, touch_id)
    changes = payload.model_dump(exclude_unset=True)
    if "campaign_id" in changes:
        changes["campaign"] = references.campaign(user, changes.pop("campaign_id"))
    touch = services.update_touch(touch=touch, actor=user, changes=changes)
    return json_response(touch_dict(touch))
