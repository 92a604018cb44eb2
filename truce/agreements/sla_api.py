"""REST endpoints for the agreement (SLA): calendars, versions, signatures, a lead's clocks."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema
from pydantic import Field

from truce.api import references
from truce.api.auth import actor
from truce.api.idempotency import create_once
from truce.api.responses import json_response
from truce.api.schemas import ERRORS, Id, IdempotencyKey, Input
from truce.errors import NotFound

from . import selectors
from .models import Agreement, Calendar
from .services import calendars, signing

router = Router(tags=["agreement"])
Version = Annotated[int, Field(ge=1, le=2_147_483_647)]


class Interval(Schema):
    start: str = Field(examples=["09:00"])
    end: str = Field(examples=["17:00"])


class CalendarIn(Input):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    time_zone: Annotated[str, Field(max_length=64)] = "UTC"
    working_days: list[Annotated[int, Field(ge=0, le=6)]] = [0, 1, 2, 3, 4]
    hours: list[Interval]
    holiday_country: Annotated[str, Field(max_length=2)] = ""
    holiday_subdivision: Annotated[str, Field(max_length=10)] = ""


class CalendarOut(Schema):
    id: int
    name: str
    time_zone: str
    working_days: list[int]
    hours: list[Interval]
    holiday_country: str
    holiday_subdivision: str
    days_off: list[date]


class DayOffIn(Input):
    day: date
    name: Annotated[str, Field(max_length=100)] = ""


class CommitmentIn(Input):
    kind: str = Field(
        description="mql_volume, acceptance_rate, opportunity_rate, campaign_count, "
        "first_touch, touches, disposition or outcome."
    )
    target: Decimal | None = None
    period: str = "month"
    hours: Decimal | None = None
    days: int | None = None
    escalate_after_hours: Decimal | None = None
    product_line: Annotated[str, Field(max_length=64)] = ""
    segment: Annotated[str, Field(max_length=64)] = ""


class CommitmentOut(Schema):
    kind: str
    description: str
    team: str
    target: Decimal
    period: str
    hours: Decimal | None
    days: int | None
    escalate_after_hours: Decimal | None
    product_line: str
    segment: str


class AgreementIn(Input):
    title: Annotated[str, Field(min_length=1, max_length=200)]
    summary: Annotated[str, Field(max_length=10_000)] = ""
    calendar_id: Id
    effective_from: date
    effective_to: date | None = None
    clock_on_reassign: Literal["restart", "carry"] = "restart"
    reassign_on_escalation: bool = False
    commitments: list[CommitmentIn]


class AgreementOut(Schema):
    version: int
    title: str
    summary: str
    status: Literal["awaiting_signatures", "in_force", "superseded"]
    calendar_id: int
    effective_from: date
    effective_to: date | None
    clock_on_reassign: str
    reassign_on_escalation: bool
    marketing_signed_by: str | None
    marketing_signed_at: datetime | None
    sales_signed_by: str | None
    sales_signed_at: datetime | None
    in_force_from: datetime | None
    superseded_at: datetime | None
    commitments: list[CommitmentOut]


class ClockOut(Schema):
    id: int
    commitment: str
    owner: str | None
    state: str
    started_at: datetime
    due_at: datetime
    escalate_at: datetime | None
    stopped_at: datetime | None
    stopped_by: str
    breached_at: datetime | None
    escalated_at: datetime | None


def _username(user: Any) -> str | None:
    return user.username if user is not None else None


def calendar_dict(calendar: Calendar) -> dict[str, Any]:
    return {
        "id": calendar.pk,
        "name": calendar.name,
        "time_zone": calendar.time_zone,
        "working_days": calendar.working_days,
        "hours": calendar.hours,
        "holiday_country": calendar.holiday_country,
        "holiday_subdivision": calendar.holiday_subdivision,
        "days_off": [d.day for d in calendar.days_off.order_by("day")],
    }


def agreement_dict(agreement: Agreement) -> dict[str, Any]:
    return {
        "version": agreement.version,
        "title": agreement.title,
        "summary": agreement.summary,
        "status": selectors.status(agreement),
        "calendar_id": agreement.calendar_id,
        "effective_from": agreement.effective_from,
        "effective_to": agreement.effective_to,
        "clock_on_reassign": agreement.clock_on_reassign,
        "reassign_on_escalation": agreement.reassign_on_escalation,
        "marketing_signed_by": _username(agreement.marketing_signed_by),
        "marketing_signed_at": agreement.marketing_signed_at,
        "sales_signed_by": _username(agreement.sales_signed_by),
        "sales_signed_at": agreement.sales_signed_at,
        "in_force_from": agreement.in_force_from,
        "superseded_at": agreement.superseded_at,
        "commitments": [
            {
                "kind": c.kind,
                "description": c.get_kind_display(),
                "team": c.team,
                "target": c.target,
                "period": c.period,
                "hours": c.hours,
                "days": c.days,
                "escalate_after_hours": c.escalate_after_hours,
                "product_line": c.product_line,
                "segment": c.segment,
            }
            for c in agreement.commitments.all()
        ],
    }


@router.get("/calendars", response={200: dict, **ERRORS})
def list_calendars(request: HttpRequest) -> HttpResponse:
    return json_response({"items": [calendar_dict(c) for c in selectors.calendars()]})


@router.post("/calendars", response={201: CalendarOut, **ERRORS})
def create_calendar(
    request: HttpRequest, payload: CalendarIn, idempotency_key: IdempotencyKey = None
) -> HttpResponse:
    """Business hours for SLA clocks. Overlapping intervals, an unknown time zone or holiday
    country are refused with `invalid_calendar` and the field."""
    body = payload.model_dump()
    user = actor(request)

    def create() -> tuple[int, dict[str, Any]]:
        return 201, calendar_dict(calendars.create_calendar(actor=user, **body))

    return create_once(request, key=idempotency_key, body=body, create=create)


@router.post("/calendars/{calendar_id}/days-off", response={201: CalendarOut, **ERRORS})
def add_day_off(request: HttpRequest, calendar_id: Id, payload: DayOffIn) -> HttpResponse:
    calendar = selectors.get_calendar(calendar_id=calendar_id)
    calendars.add_day_off(calendar=calendar, actor=actor(request), **payload.model_dump())
    return json_response(calendar_dict(calendar), status=201)


@router.get("/agreements", response={200: dict, **ERRORS})
def list_agreements(request: HttpRequest) -> HttpResponse:
    """Every version of the agreement, newest first."""
    return json_response({"items": [agreement_dict(a) for a in selectors.agreements()]})


@router.post("/agreements", response={201: AgreementOut, **ERRORS})
def propose_agreement(
    request: HttpRequest, payload: AgreementIn, idempotency_key: IdempotencyKey = None
) -> HttpResponse:
    """Propose a version. It is in force once the marketing and the sales owner both sign."""
    body = payload.model_dump()
    user = actor(request)

    def create() -> tuple[int, dict[str, Any]]:
        values = {k: v for k, v in body.items() if k != "calendar_id"}
        calendar = selectors.get_calendar(calendar_id=body["calendar_id"])
        agreement = signing.create_agreement(actor=user, calendar=calendar, **values)
        return 201, agreement_dict(selectors.get_agreement(version=agreement.version))

    return create_once(request, key=idempotency_key, body=body, create=create)


@router.get("/agreements/in-force", response={200: AgreementOut, **ERRORS})
def agreement_in_force(request: HttpRequest) -> HttpResponse:
    agreement = selectors.agreement_in_force()
    if agreement is None:
        raise NotFound("No agreement is in force yet.", field=None)
    return json_response(agreement_dict(selectors.get_agreement(version=agreement.version)))


@router.get("/agreements/{version}", response={200: AgreementOut, **ERRORS})
def read_agreement(request: HttpRequest, version: Version) -> HttpResponse:
    return json_response(agreement_dict(selectors.get_agreement(version=version)))


@router.post("/agreements/{version}/sign", response={200: AgreementOut, **ERRORS})
def sign_agreement(request: HttpRequest, version: Version) -> HttpResponse:
    """Sign as the marketing owner or the sales owner; 403 for anyone else."""
    signing.sign_agreement(agreement=selectors.get_agreement(version=version), actor=actor(request))
    return json_response(agreement_dict(selectors.get_agreement(version=version)))


@router.get("/leads/{lead_id}/clocks", response={200: dict, **ERRORS})
def lead_clocks(request: HttpRequest, lead_id: Id) -> HttpResponse:
    """The lead's SLA clocks, oldest first."""
    lead = references.lead(actor(request), lead_id)
    items = [
        {
            "id": c.pk,
            "commitment": c.commitment.kind,
            "owner": _username(c.owner),
            "state": c.state,
            "started_at": c.started_at,
            "due_at": c.due_at,
            "escalate_at": c.escalate_at,
            "stopped_at": c.stopped_at,
            "stopped_by": c.stopped_by,
            "breached_at": c.breached_at,
            "escalated_at": c.escalated_at,
        }
        for c in selectors.lead_clocks(lead_id=lead.pk)
    ]
    return json_response({"items": items})
