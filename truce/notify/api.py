"""REST endpoints for webhooks: subscriptions, their delivery log and redelivery."""

from datetime import datetime
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema
from pydantic import Field

from truce.api.auth import actor
from truce.api.idempotency import create_once
from truce.api.pagination import Cursor, Limit, page
from truce.api.responses import json_response
from truce.api.schemas import ERRORS, Id, IdempotencyKey, Input

from .models import Delivery, DeliveryStatus, Subscription
from .webhooks import selectors, services

router = Router()

Url = Annotated[str, Field(max_length=services.URL_MAX, description="http:// or https://")]
Kinds = Annotated[
    list[Annotated[str, Field(max_length=64)]],
    Field(
        max_length=services.KINDS_MAX,
        description="Ledger event kinds, namespace wildcards such as `lead.*`, or `*`.",
    ),
]
Description = Annotated[str, Field(max_length=services.DESCRIPTION_MAX)]


class SubscriptionOut(Schema):
    id: int
    target_url: str
    event_kinds: list[str]
    description: str
    is_active: bool
    created_by: str | None = Field(description="The creator's username.")
    created_at: datetime
    updated_at: datetime


class SubscriptionWithSecret(SubscriptionOut):
    secret: str = Field(description="Shown only here: on create and on rotation.")


class SubscriptionPage(Schema):
    items: list[SubscriptionOut]
    next_cursor: str | None


class SubscriptionIn(Input):
    target_url: Url
    event_kinds: Kinds
    description: Description = ""
    is_active: bool = True


class SubscriptionPatch(Input):
    target_url: Url = ""
    event_kinds: Kinds = []
    description: Description = ""
    is_active: bool = True


class DeliveryOut(Schema):
    id: int
    subscription_id: int
    event_id: int
    event_kind: str
    attempt: int
    manual: bool
    requested_by: str | None
    status: DeliveryStatus
    due_at: datetime
    attempted_at: datetime | None
    finished_at: datetime | None
    http_status: int | None
    response_body: str
    error: str
    duration_ms: int | None
    next_attempt_at: datetime | None
    created_at: datetime


class DeliveryPage(Schema):
    items: list[DeliveryOut]
    next_cursor: str | None


def subscription_dict(subscription: Subscription, *, secret: bool = False) -> dict[str, Any]:
    data = {
        "id": subscription.pk,
        "target_url": subscription.target_url,
        "event_kinds": subscription.event_kinds,
        "description": subscription.description,
        "is_active": subscription.is_active,
        "created_by": subscription.created_by.username if subscription.created_by else None,
        "created_at": subscription.created_at,
        "updated_at": subscription.updated_at,
    }
    if secret:
        data["secret"] = subscription.secret
    return data


def delivery_dict(delivery: Delivery) -> dict[str, Any]:
    return {
        "id": delivery.pk,
        "subscription_id": delivery.subscription_id,
        "event_id": delivery.event_id,
        "event_kind": delivery.event.kind,
        "attempt": delivery.attempt,
        "manual": delivery.manual,
        "requested_by": delivery.requested_by.username if delivery.requested_by else None,
        "status": delivery.status,
        "due_at": delivery.due_at,
        "attempted_at": delivery.attempted_at,
        "finished_at": delivery.finished_at,
        "http_status": delivery.http_status,
        "response_body": delivery.response_body,
        "error": delivery.error,
        "duration_ms": delivery.duration_ms,
        "next_attempt_at": delivery.next_attempt_at,
        "created_at": delivery.created_at,
    }


def _subscription(request: HttpRequest, subscription_id: int) -> Subscription:
    return selectors.get_subscription(user=actor(request), subscription_id=subscription_id)


@router.get("/webhooks", response={200: SubscriptionPage, **ERRORS}, tags=["webhooks"])
def list_webhooks(request: HttpRequest, limit: Limit = 50, cursor: Cursor = None) -> HttpResponse:
    rows, next_cursor = page(
        selectors.subscriptions_for(user=actor(request)), limit=limit, cursor=cursor
    )
    return json_response(
        {"items": [subscription_dict(s) for s in rows], "next_cursor": next_cursor}
    )


@router.post("/webhooks", response={201: SubscriptionWithSecret, **ERRORS}, tags=["webhooks"])
def create_webhook(
    request: HttpRequest, payload: SubscriptionIn, idempotency_key: IdempotencyKey = None
) -> HttpResponse:
    """Subscribe a URL to event kinds. The answer carries the signing secret, this once."""
    body = payload.model_dump()

    def create() -> tuple[int, dict[str, Any]]:
        subscription = services.create_subscription(actor=actor(request), **body)
        return 201, subscription_dict(subscription, secret=True)

    return create_once(request, key=idempotency_key, body=body, create=create)


@router.get(
    "/webhooks/{subscription_id}", response={200: SubscriptionOut, **ERRORS}, tags=["webhooks"]
)
def read_webhook(request: HttpRequest, subscription_id: Id) -> HttpResponse:
    return json_response(subscription_dict(_subscription(request, subscription_id)))


@router.patch(
    "/webhooks/{subscription_id}", response={200: SubscriptionOut, **ERRORS}, tags=["webhooks"]
)
def update_webhook(
    request: HttpRequest, subscription_id: Id, payload: SubscriptionPatch
) -> HttpResponse:
    """Change the URL, kinds or description; `is_active: false` pauses, `true` resumes."""
    subscription = _subscription(request, subscription_id)
    subscription = services.update_subscription(
        subscription=subscription,
        actor=actor(request),
        changes=payload.model_dump(exclude_unset=True),
    )
    return json_response(subscription_dict(subscription))


@router.delete("/webhooks/{subscription_id}", response={204: None, **ERRORS}, tags=["webhooks"])
def delete_webhook(request: HttpRequest, subscription_id: Id) -> HttpResponse:
    subscription = _subscription(request, subscription_id)
    services.delete_subscription(subscription=subscription, actor=actor(request))
    return HttpResponse(status=204)


@router.post(
    "/webhooks/{subscription_id}/rotate-secret",
    response={200: SubscriptionWithSecret, **ERRORS},
    tags=["webhooks"],
)
def rotate_webhook_secret(request: HttpRequest, subscription_id: Id) -> HttpResponse:
    """A new signing secret, shown this once; the old one signs nothing more."""
    subscription = _subscription(request, subscription_id)
    subscription = services.rotate_secret(subscription=subscription, actor=actor(request))
    return json_response(subscription_dict(subscription, secret=True))


@router.get(
    "/webhooks/{subscription_id}/deliveries",
    response={200: DeliveryPage, **ERRORS},
    tags=["webhooks"],
)
def list_deliveries(
    request: HttpRequest, subscription_id: Id, limit: Limit = 50, cursor: Cursor = None
) -> HttpResponse:
    """Every attempt, newest first."""
    subscription = _subscription(request, subscription_id)
    qs = selectors.deliveries_of(subscription=subscription)
    rows, next_cursor = page(qs, limit=limit, cursor=cursor)
    return json_response({"items": [delivery_dict(d) for d in rows], "next_cursor": next_cursor})


@router.post(
    "/webhooks/{subscription_id}/deliveries/{delivery_id}/redeliver",
    response={202: DeliveryOut, **ERRORS},
    tags=["webhooks"],
)
def redeliver(request: HttpRequest, subscription_id: Id, delivery_id: Id) -> HttpResponse:
    """Send that delivery's event again now, as a new attempt (not retried if it fails)."""
    subscription = _subscription(request, subscription_id)
    delivery = selectors.get_delivery(subscription=subscription, delivery_id=delivery_id)
    attempt = services.redeliver(delivery=delivery, actor=actor(request))
    attempt = selectors.get_delivery(subscription=subscription, delivery_id=attempt.pk)
    return json_response(delivery_dict(attempt), status=202)
