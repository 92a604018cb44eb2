"""REST endpoints for contacts and companies: list, read, create (deduplicated), update, merge."""

from datetime import datetime
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from pydantic import Field

from truce.api import references
from truce.api.auth import actor
from truce.api.idempotency import create_once
from truce.api.pagination import Cursor, Limit, page
from truce.api.responses import json_response
from truce.api.schemas import ERRORS, CompanyRef, Id, IdempotencyKey, Input, MergeIn, company_ref

from . import selectors, services

router = Router()

Search = Annotated[str, Query("", max_length=200, description="Prefix of name, email or domain.")]
Text = Annotated[str, Field(max_length=100)]


class ContactOut(Schema):
    id: int
    email: str
    first_name: str
    last_name: str
    name: str
    phone: str
    title: str
    country: str
    company: CompanyRef | None
    merged_into_id: Id | None
    created_at: datetime
    updated_at: datetime


class ContactPage(Schema):
    items: list[ContactOut]
    next_cursor: str | None


class ContactIn(Input):
    email: Annotated[str, Field(max_length=254)] = ""
    first_name: Text = ""
    last_name: Text = ""
    phone: Annotated[str, Field(max_length=50)] = ""
    title: Annotated[str, Field(max_length=150)] = ""
    country: Annotated[str, Field(max_length=2)] = ""
    company_id: Id | None = None


class ContactPatch(ContactIn):
    """Only the fields sent are changed; `company_id: null` detaches the company."""


class CompanyOut(Schema):
    id: int
    name: str
    domain: str | None
    industry: str
    employees: int | None
    country: str
    merged_into_id: Id | None
    created_at: datetime
    updated_at: datetime


class CompanyPage(Schema):
    items: list[CompanyOut]
    next_cursor: str | None


class CompanyIn(Input):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    domain: Annotated[str, Field(max_length=253)] = ""
    industry: Text = ""
    employees: Annotated[int | None, Field(ge=0, le=2_147_483_647)] = None
    country: Annotated[str, Field(max_length=2)] = ""


class CompanyPatch(Input):
    name: Annotated[str, Field(min_length=1, max_length=200)] = ""
    domain: Annotated[str | None, Field(max_length=253)] = None
    industry: Text = ""
    employees: Annotated[int | None, Field(ge=0, le=2_147_483_647)] = None
    country: Annotated[str, Field(max_length=2)] = ""


def contact_dict(contact: Any) -> dict[str, Any]:
    return {
        "id": contact.pk,
        "email": contact.email,
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "name": contact.full_name,
        "phone": contact.phone,
        "title": contact.title,
        "country": contact.country,
        "company": company_ref(contact.company),
        "merged_into_id": contact.merged_into_id,
        "created_at": contact.created_at,
        "updated_at": contact.updated_at,
    }


def company_dict(company: Any) -> dict[str, Any]:
    return {
        "id": company.pk,
        "name": company.name,
        "domain": company.domain,
        "industry": company.industry,
        "employees": company.employees,
        "country": company.country,
        "merged_into_id": company.merged_into_id,
        "created_at": company.created_at,
        "updated_at": company.updated_at,
    }


def _contact_fields(payload: dict[str, Any]) -> dict[str, Any]:
    if "company_id" in payload:
        payload["company"] = references.company(payload.pop("company_id"))
    return payload


@router.get("/contacts", response={200: ContactPage, **ERRORS}, tags=["contacts"])
def list_contacts(
    request: HttpRequest, q: Search = "", limit: Limit = 50, cursor: Cursor = None
) -> HttpResponse:
    qs = selectors.contacts_visible_to(user=actor(request), search=q)
    rows, next_cursor = page(qs, limit=limit, cursor=cursor)
    return json_response({"items": [contact_dict(c) for c in rows], "next_cursor": next_cursor})


@router.get("/contacts/{contact_id}", response={200: ContactOut, **ERRORS}, tags=["contacts"])
def read_contact(request: HttpRequest, contact_id: Id) -> HttpResponse:
    return json_response(contact_dict(services.get_contact(contact_id=contact_id)))


@router.post("/contacts", response={201: ContactOut, 200: ContactOut, **ERRORS}, tags=["contacts"])
def create_contact(
    request: HttpRequest, payload: ContactIn, idempotency_key: IdempotencyKey = None
) -> HttpResponse:
    """201 with the new contact, or 200 with the existing one when the email is known."""
    body = payload.model_dump()

    def create() -> tuple[int, dict[str, Any]]:
        fields = _contact_fields(dict(body))
        contact, created = services.create_contact(actor=actor(request), **fields)
        return (201 if created else 200), contact_dict(contact)

    return create_once(request, key=idempotency_key, body=body, create=create)


@router.patch("/contacts/{contact_id}", response={200: ContactOut, **ERRORS}, tags=["contacts"])
def update_contact(request: HttpRequest, contact_id: Id, payload: ContactPatch) -> HttpResponse:
    contact = services.get_contact(contact_id=contact_id)
    changes = _contact_fields(payload.model_dump(exclude_unset=True))
    contact = services.update_contact(contact=contact, actor=actor(request), changes=changes)
    return json_response(contact_dict(contact))


@router.post(
    "/contacts/{contact_id}/merge", response={200: ContactOut, **ERRORS}, tags=["contacts"]
)
def merge_contact(request: HttpRequest, contact_id: Id, payload: MergeIn) -> HttpResponse:
    """Fold `duplicate_id` into this contact; its leads and touches move here."""
    survivor = services.get_contact(contact_id=contact_id)
    duplicate = references.contact(payload.duplicate_id, field="duplicate_id")
    merged = services.merge_contacts(survivor=survivor, duplicate=duplicate, actor=actor(request))
    return json_response(contact_dict(merged))


@router.get("/companies", response={200: CompanyPage, **ERRORS}, tags=["companies"])
def list_companies(
    request: HttpRequest, q: Search = "", limit: Limit = 50, cursor: Cursor = None
) -> HttpResponse:
    qs = selectors.companies_visible_to(user=actor(request), search=q)
    rows, next_cursor = page(qs, limit=limit, cursor=cursor)
    return json_response({"items": [company_dict(c) for c in rows], "next_cursor": next_cursor})


@router.get("/companies/{company_id}", response={200: CompanyOut, **ERRORS}, tags=["companies"])
def read_company(request: HttpRequest, company_id: Id) -> HttpResponse:
    return json_response(company_dict(services.get_company(company_id=company_id)))


@router.post(
    "/companies", response={201: CompanyOut, 200: CompanyOut, **ERRORS}, tags=["companies"]
)
def create_company(
    request: HttpRequest, payload: CompanyIn, idempotency_key: IdempotencyKey = None
) -> HttpResponse:
    """201 with the new company, or 200 with the existing one when the domain is known."""
    body = payload.model_dump()

    def create() -> tuple[int, dict[str, Any]]:
        company, created = services.create_company(actor=actor(request), **body)
        return (201 if created else 200), company_dict(company)

    return create_once(request, key=idempotency_key, body=body, create=create)


@router.patch("/companies/{company_id}", response={200: CompanyOut, **ERRORS}, tags=["companies"])
def update_company(request: HttpRequest, company_id: Id, payload: CompanyPatch) -> HttpResponse:
    company = services.get_company(company_id=company_id)
    changes = payload.model_dump(exclude_unset=True)
    company = services.update_company(company=company, actor=actor(request), changes=changes)
    return json_response(company_dict(company))


@router.post(
    "/companies/{company_id}/merge", response={200: CompanyOut, **ERRORS}, tags=["companies"]
)
def merge_company(request: HttpRequest, company_id: Id, payload: MergeIn) -> HttpResponse:
    """Fold `duplicate_id` into this company; its contacts and leads move here."""
    survivor = services.get_company(company_id=company_id)
    duplicate = references.company(payload.duplicate_id, field="duplicate_id")
    merged = services.merge_companies(survivor=survivor, duplicate=duplicate, actor=actor(request))
    return json_response(company_dict(merged))
