"""REST endpoints for the sales-ready definition: versions, signatures, the version in force."""

from datetime import datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema
from pydantic import Field

from truce.api.auth import actor
from truce.api.idempotency import create_once
from truce.api.responses import json_response
from truce.api.schemas import ERRORS, IdempotencyKey, Input
from truce.errors import NotFound

from .models import SalesReadyDefinition
from .services import qualification

router = Router(tags=["definitions"])

Version = Annotated[int, Field(ge=1, le=2_147_483_647)]


class DefinitionOut(Schema):
    version: int
    rule: str
    notes: str
    status: Literal["awaiting_signatures", "in_force", "superseded"]
    created_by: str | None = Field(description="The proposer's username.")
    created_at: datetime
    marketing_signed_by: str | None
    marketing_signed_at: datetime | None
    sales_signed_by: str | None
    sales_signed_at: datetime | None
    in_force_from: datetime | None
    superseded_at: datetime | None


class DefinitionList(Schema):
    items: list[DefinitionOut]


class DefinitionIn(Input):
    rule: Annotated[
        str,
        Field(
            max_length=2000,
            description="A rule over the lead's facts and scores, e.g. "
            "`fit_score >= 40 and engagement_score >= 30 and company_employees >= 50`.",
        ),
    ]
    notes: Annotated[str, Field(max_length=5000)] = ""


def _username(user: Any) -> str | None:
    return user.username if user is not None else None


def definition_dict(d: SalesReadyDefinition) -> dict[str, Any]:
    return {
        "version": d.version,
        "rule": d.rule,
        "notes": d.notes,
        "status": qualification.status(d),
        "created_by": _username(d.created_by),
        "created_at": d.created_at,
        "marketing_signed_by": _username(d.marketing_signed_by),
        "marketing_signed_at": d.marketing_signed_at,
        "sales_signed_by": _username(d.sales_signed_by),
        "sales_signed_at": d.sales_signed_at,
        "in_force_from": d.in_force_from,
        "superseded_at": d.superseded_at,
    }


def _answer(version: int, status: int = 200) -> HttpResponse:
    return json_response(
        definition_dict(qualification.get_definition(version=version)), status=status
    )


@router.get("/definitions", response={200: DefinitionList, **ERRORS})
def list_definitions(request: HttpRequest) -> HttpResponse:
    """Every version, newest first."""
    items = [definition_dict(d) for d in qualification.definitions()]
    return json_response({"items": items})


@router.post("/definitions", response={201: DefinitionOut, **ERRORS})
def propose_definition(
    request: HttpRequest, payload: DefinitionIn, idempotency_key: IdempotencyKey = None
) -> HttpResponse:
    """Propose a new version. It is in force once the marketing and sales owners both sign it.
    A rule that does not parse is a 400 `invalid_rule` naming the position and the reason."""
    body = payload.model_dump()
    user = actor(request)

    def create() -> tuple[int, dict[str, Any]]:
        definition = qualification.propose_definition(actor=user, **body)
        return 201, definition_dict(qualification.get_definition(version=definition.version))

    return create_once(request, key=idempotency_key, body=body, create=create)


@router.get("/definitions/in-force", response={200: DefinitionOut, **ERRORS})
def definition_in_force(request: HttpRequest) -> HttpResponse:
    """The version both owners signed most recently; 404 when none is in force yet."""
    definition = qualification.definition_in_force()
    if definition is None:
        raise NotFound("No sales-ready definition is in force yet.", field=None)
    return json_response(definition_dict(definition))


@router.get("/definitions/{version}", response={200: DefinitionOut, **ERRORS})
def read_definition(request: HttpRequest, version: Version) -> HttpResponse:
    return _answer(version)


@router.post("/definitions/{version}/sign", response={200: DefinitionOut, **ERRORS})
def sign_definition(request: HttpRequest, version: Version) -> HttpResponse:
    """Sign as the marketing owner or the sales owner (your role decides the side). 403 for
    anyone else; 409 when your side is signed already or the version is in force or superseded."""
    qualification.sign_definition(version=version, actor=actor(request))
    return _answer(version)
