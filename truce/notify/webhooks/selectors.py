"""Reads for the webhook API and pages; only people who manage webhooks see them."""

from typing import Any

from django.db.models import QuerySet

from truce.errors import NotFound

from ..models import Delivery, Subscription
from .services import require_manage


def subscriptions_for(*, user: Any) -> QuerySet[Subscription]:
    require_manage(user)
    return Subscription.objects.select_related("created_by").order_by("-pk")


def get_subscription(*, user: Any, subscription_id: int) -> Subscription:
    found = subscriptions_for(user=user).filter(pk=subscription_id).first()
    if found is None:
        raise NotFound(f"No webhook with id {subscription_id}.", field="subscription_id")
    return found


def deliveries_of(*, subscription: Subscription) -> QuerySet[Delivery]:
    return Delivery.objects.filter(subscription=subscription).select_related(
        "event", "requested_by"
    )


def get_delivery(*, subscription: Subscription, delivery_id: int) -> Delivery:
    found = deliveries_of(subscription=subscription).filter(pk=delivery_id).first()
    if found is None:
        raise NotFound(f"No delivery with id {delivery_id} for this webhook.", field="delivery_id")
    return found
