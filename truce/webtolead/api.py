"""REST endpoints to manage web forms. The public submission endpoint is /f/<key>/ (public.py)."""

from datetime import datetime
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

from . import selectors, services
from .models import FormField, WebForm
from .snippet import render_snippet, submit_url

router = Router(tags=["web forms"])

Origins = Annotated[list[Annotated[str, Field(max_length=200)]], Field(max_length=20)]


class WebFormOut(Schema):
    id: int
    key: str = Field(description="The unguessable part of the public submission address.")
    name: str
    default_source: str
    default_campaign_id: Id | None
    fields: list[FormField]
    allowed_origins: list[str]
    redirect_url: str
    thank_you_message: str
    is_enabled: bool
    submission_count: int
    spam_count: int
    submit_url: str
    snippet: str = Field(description="The embeddable HTML form and its optional UTM script.")
    created_at: datetime
    updated_at: datetime


class WebFormPage(Schema):
    items: list[WebFormOut]
    next_cursor: str | None


class WebFormIn(Input):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    default_source: Annotated[str, Field(max_length=64)] = "web_form"
    default_campaign_id: Id | None = None
    fields: list[FormField] = Field(default_factory=list)
    allowed_origins: Origins = Field(default_factory=list)
    redirect_url: Annotated[str, Field(max_length=500)] = ""
    thank_you_message: Annotated[str, Field(max_length=500)] = ""
    is_enabled: bool = True


class WebFormPatch(Input):
    """Only the fields sent are changed; `default_campaign_id: null` removes the campaign."""

    name: Annotated[str, Field(min_length=1, max_length=200)] = ""
    default_source: Annotated[str, Field(max_length=64)] = ""
    default_campaign_id: Id | None = None
    fields: list[FormField] = Field(default_factory=list)
    allowed_origins: Origins = Field(default_factory=list)
    redirect_url: Annotated[str, Field(max_length=500)] = ""
    thank_you_message: Annotated[str, Field(max_length=500)] = ""
    is_enabled: bool = True


def form_dict(form: WebForm) -> dict[str, Any]:
    return {
        "id": form.pk,
        "key": form.key,
        "name": form.name,
        "default_source": form.default_source,
        "default_campaign_id": form.default_campaign_id,
        "fields": form.fields,
        "allowed_origins": form.allowed_origins,
        "redirect_url": form.redirect_url,
        "thank_you_message": form.thank_you_message,
        "is_enabled": form.is_enabled,
        "submission_count": form.submission_count,
        "spam_count": form.spam_count,
        "submit_url": submit_url(form),
        "snippet": render_snippet(form),
        "created_at": form.created_at,
        "updated_at": form.updated_at,
    }


def _values(request: HttpRequest, payload: dict[str, Any]) -> dict[str, Any]:
    if "default_campaign_id" in payload:
        campaign_id = payload.pop("default_campaign_id")
        payload["default_campaign"] = references.campaign(
            actor(request), campaign_id, field="default_campaign_id"
        )
    if "fields" in payload:
        payload["fields"] = [str(f) for f in payload["fields"]]
    return payload


@router.get("/webforms", response={200: WebFormPage, **ERRORS})
def list_forms(request: HttpRequest, limit: Limit = 50, cursor: Cursor = None) -> HttpResponse:
    qs = selectors.forms_visible_to(user=actor(request))
    rows, next_cursor = page(qs, limit=limit, cursor=cursor)
    return json_response({"items": [form_dict(f) for f in rows], "next_cursor": next_cursor})


@router.get("/webforms/{form_id}", response={200: WebFormOut, **ERRORS})
def read_form(request: HttpRequest, form_id: Id) -> HttpResponse:
    return json_response(form_dict(selectors.get_form(user=actor(request), form_id=form_id)))


@router.post("/webforms", response={201: WebFormOut, **ERRORS})
def create_form(
    request: HttpRequest, payload: WebFormIn, idempotency_key: IdempotencyKey = None
) -> HttpResponse:
    body = payload.model_dump(mode="json")

    def create() -> tuple[int, dict[str, Any]]:
        values = _values(request, dict(body))
        form = services.create_form(actor=actor(request), **values)
        return 201, form_dict(form)

    return create_once(request, key=idempotency_key, body=body, create=create)


@router.patch("/webforms/{form_id}", response={200: WebFormOut, **ERRORS})
def update_form(request: HttpRequest, form_id: Id, payload: WebFormPatch) -> HttpResponse:
    form = selectors.get_form(user=actor(request), form_id=form_id)
    changes = _values(request, payload.model_dump(mode="json", exclude_unset=True))
    form = services.update_form(form=form, actor=actor(request), changes=changes)
    return json_response(form_dict(form))
