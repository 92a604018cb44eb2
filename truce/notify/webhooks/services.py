"""Managing webhook subscriptions, queueing deliveries as events are appended, redelivery.

Every change to a subscription is a ledger event (`webhook.*`); the secret never is in one.
Deliveries are rows written in the transaction that appended the events (so a rolled-back
change delivers nothing and a crash after the commit loses nothing: the sweep finds the rows),
and their jobs are enqueued once it commits.
"""

import secrets
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from truce.errors import DomainError, PermissionDenied
from truce.identity.permissions import can
from truce.ledger import services as ledger
from truce.ledger.models import Event

from ..models import Delivery, Subscription
from . import kinds

SUBJECT = "webhook"
URL_MAX = 2000
DESCRIPTION_MAX = 200
KINDS_MAX = 100
_url_validator = URLValidator(schemes=["http", "https"])


def can_manage(user: Any) -> bool:
    return can(user, "manage_webhooks")


def require_manage(user: Any) -> None:
    if not can_manage(user):
        role = getattr(user, "role", "?")
        raise PermissionDenied(f"The {role} role may not manage webhooks.")


def new_secret() -> str:
    return "whsec_" + secrets.token_hex(24)


def clean_url(value: Any) -> str:
    url = str(value or "").strip()
    if not url:
        raise DomainError("A webhook needs a target URL.", field="target_url", code="required")
    if len(url) > URL_MAX:
        raise DomainError(f"The URL is longer than {URL_MAX} characters.", field="target_url")
    if url.split(":", 1)[0].lower() not in ("http", "https"):
        raise DomainError(
            "The URL must start with http:// or https://.", field="target_url", code="invalid_url"
        )
    try:
        _url_validator(url)
    except ValidationError:
        raise DomainError(
            f"{url!r} is not a valid URL.", field="target_url", code="invalid_url"
        ) from None
    return url


def clean_kinds(value: Any) -> list[str]:
    if not isinstance(value, list | tuple) or not value:
        raise DomainError(
            "Name at least one event kind, a wildcard such as 'lead.*', or '*'.",
            field="event_kinds",
            code="required",
        )
    if len(value) > KINDS_MAX:
        raise DomainError(f"Name at most {KINDS_MAX} event kinds.", field="event_kinds")
    for index, kind in enumerate(value):
        why = kinds.problem(str(kind).strip()) if isinstance(kind, str) else "Not a string."
        if why:
            raise DomainError(why, field=f"event_kinds.{index}", code="unknown_event_kind")
    return sorted({str(kind).strip() for kind in value})


def clean_description(value: Any) -> str:
    text = str(value or "").strip()
    if len(text) > DESCRIPTION_MAX:
        raise DomainError(
            f"The description is longer than {DESCRIPTION_MAX} characters.", field="description"
        )
    return text


def _public(subscription: Subscription) -> dict[str, Any]:
    """What the ledger keeps of a subscription: everything but the secret."""
    return {
        "target_url": subscription.target_url,
        "event_kinds": subscription.event_kinds,
        "description": subscription.description,
        "is_active": subscription.is_active,
    }


def _event(subscription: Subscription, kind: str, actor: Any, payload: dict[str, Any]) -> None:
    ledger.append(
        kind=kind, subject_type=SUBJECT, subject_id=subscription.pk, actor=actor, payload=payload
    )


@transaction.atomic
def create_subscription(
    *,
    actor: Any,
    target_url: str,
    event_kinds: list[str],
    description: str = "",
    is_active: bool = True,
) -> Subscription:
    require_manage(actor)
    now = timezone.now()
    subscription = Subscription.objects.create(
        target_url=clean_url(target_url),
        event_kinds=clean_kinds(event_kinds),
        description=clean_description(description),
        is_active=bool(is_active),
        secret=new_secret(),
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    _event(subscription, "webhook.created", actor, _public(subscription))
    return subscription


_CLEAN: dict[str, Callable[[Any], Any]] = {
    "target_url": clean_url,
    "event_kinds": clean_kinds,
    "description": clean_description,
    "is_active": bool,
}


@transaction.atomic
def update_subscription(
    *, subscription: Subscription, actor: Any, changes: dict[str, Any]
) -> Subscription:
    """Change any of target_url, event_kinds, description, is_active. Pausing and resuming are
    their own events; the other fields share `webhook.updated` with a {field: [old, new]} diff."""
    require_manage(actor)
    unknown = set(changes) - set(_CLEAN)
    if unknown:
        raise DomainError(f"{sorted(unknown)[0]!r} cannot be changed.", field=sorted(unknown)[0])
    cleaned = {name: _CLEAN[name](value) for name, value in changes.items()}
    subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
    diff = {
        name: [getattr(subscription, name), value]
        for name, value in cleaned.items()
        if getattr(subscription, name) != value
    }
    if not diff:
        return subscription
    for name, (_, value) in diff.items():
        setattr(subscription, name, value)
    subscription.updated_at = timezone.now()
    subscription.save(update_fields=[*diff, "updated_at"])
    active = diff.pop("is_active", None)
    if diff:
        _event(subscription, "webhook.updated", actor, {"changes": diff})
    if active is not None:
        kind = "webhook.resumed" if subscription.is_active else "webhook.paused"
        _event(subscription, kind, actor, {})
    return subscription


@transaction.atomic
def rotate_secret(*, subscription: Subscription, actor: Any) -> Subscription:
    """A new secret at once; the old one stops signing with the next attempt."""
    require_manage(actor)
    subscription.secret = new_secret()
    subscription.updated_at = timezone.now()
    subscription.save(update_fields=["secret", "updated_at"])
    _event(subscription, "webhook.secret_rotated", actor, {})
    return subscription


@transaction.atomic
def delete_subscription(*, subscription: Subscription, actor: Any) -> None:
    """The subscription and its delivery log go; the ledger keeps its history."""
    require_manage(actor)
    payload = {**_public(subscription), "deliveries": subscription.deliveries.count()}
    _event(subscription, "webhook.deleted", actor, payload)
    subscription.delete()


def enqueue_now(delivery_ids: list[int]) -> None:
    from .tasks import deliver_webhook

    for delivery_id in delivery_ids:
        deliver_webhook.enqueue(delivery_id=delivery_id)


def enqueue_on_commit(delivery_ids: list[int]) -> None:
    if delivery_ids:
        transaction.on_commit(lambda: enqueue_now(delivery_ids))


def queue_deliveries(events: list[Event]) -> list[Delivery]:
    """The ledger listener: one query when nobody subscribes, one insert when somebody does."""
    subscriptions = list(Subscription.objects.filter(is_active=True).only("pk", "event_kinds"))
    if not subscriptions:
        return []
    now = timezone.now()
    rows = [
        Delivery(subscription=s, event=e, attempt=1, due_at=now, created_at=now)
        for e in events
        for s in subscriptions
        if kinds.matches(s.event_kinds, e.kind)
    ]
    created = Delivery.objects.bulk_create(rows)
    enqueue_on_commit([d.pk for d in created])
    return created


def next_attempt(*, subscription_id: int, event_id: int) -> int:
    last = Delivery.objects.filter(subscription_id=subscription_id, event_id=event_id).aggregate(
        last=Max("attempt")
    )["last"]
    return (last or 0) + 1


def add_attempt(*, template: Delivery, due_at: Any, manual: bool, actor: Any = None) -> Delivery:
    """The next attempt for the template's (subscription, event). Two writers racing for the
    same number (a retry and a redelivery) meet the unique constraint: the loser takes the
    next number."""
    for _ in range(5):
        number = next_attempt(subscription_id=template.subscription_id, event_id=template.event_id)
        try:
            with transaction.atomic():
                return Delivery.objects.create(
                    subscription_id=template.subscription_id,
                    event_id=template.event_id,
                    attempt=number,
                    manual=manual,
                    requested_by=actor,
                    due_at=due_at,
                    created_at=timezone.now(),
                )
        except IntegrityError:
            continue
    raise DomainError("Another attempt is being added; try again.", code="conflict")


@transaction.atomic
def redeliver(*, delivery: Delivery, actor: Any) -> Delivery:
    """A new attempt of the same event to the same subscription, now, even if it was paused
    or had given up. A redelivery that fails is not retried on its own."""
    require_manage(actor)
    attempt = add_attempt(template=delivery, due_at=timezone.now(), manual=True, actor=actor)
    ledger.append(
        kind="webhook.redelivery_requested",
        subject_type=SUBJECT,
        subject_id=delivery.subscription_id,
        actor=actor,
        payload={"event_id": delivery.event_id, "attempt": attempt.attempt},
    )
    enqueue_on_commit([attempt.pk])
    return attempt
