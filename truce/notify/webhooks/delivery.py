"""One delivery attempt: claim the row, POST the signed event, log the answer, plan the retry.

The claim is a conditional UPDATE whose row count says who won, so two workers (a deferred
retry job and the sweep, or a duplicated job) never send the same attempt twice. The HTTP call
runs outside any transaction; only the claim and the result are written.
"""

import hashlib
import hmac
import http.client
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from ..models import Delivery, DeliveryStatus
from . import services

SIGNATURE_HEADER = "Truce-Signature"
USER_AGENT = "Truce-Webhooks/1"
# On a backend that runs deferred jobs, retries are enqueued with run_after; the sweep then
# only picks up attempts whose job was lost (a crash between commit and enqueue).
STRAGGLER_AFTER = timedelta(minutes=5)


@dataclass(frozen=True)
class Outcome:
    http_status: int | None = None
    body: str = ""
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.http_status is not None and 200 <= self.http_status < 300


def backoff(attempt: int) -> timedelta:
    """How long after failed attempt N the next one is due: base * 2**(N-1), capped."""
    seconds = settings.TRUCE_WEBHOOK_BACKOFF_SECONDS * 2 ** (attempt - 1)
    return timedelta(seconds=min(seconds, settings.TRUCE_WEBHOOK_MAX_BACKOFF_SECONDS))


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    """`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed with the secret>`."""
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def event_json(event: Any) -> dict[str, Any]:
    actor = event.actor
    return {
        "id": event.pk,
        "seq": event.seq,
        "kind": event.kind,
        "occurred_at": event.occurred_at,
        "recorded_at": event.recorded_at,
        "subject_type": event.subject_type,
        "subject_id": event.subject_id,
        "lead_id": event.lead_id,
        "actor": {"id": actor.pk, "username": actor.username} if actor else None,
        "payload": event.payload,
        "hash": event.hash,
    }


def body_for(delivery: Delivery) -> bytes:
    document = {
        "delivery_id": delivery.pk,
        "attempt": delivery.attempt,
        "event": event_json(delivery.event),
    }
    return json.dumps(document, cls=DjangoJSONEncoder, separators=(",", ":")).encode()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not a new target: it counts as a failed attempt."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirects())


def _excerpt(raw: bytes) -> str:
    return raw[: settings.TRUCE_WEBHOOK_RESPONSE_BYTES].decode("utf-8", errors="replace")


def post(url: str, body: bytes, headers: dict[str, str]) -> Outcome:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    limit = settings.TRUCE_WEBHOOK_RESPONSE_BYTES
    try:
        with _opener.open(request, timeout=settings.TRUCE_WEBHOOK_TIMEOUT_SECONDS) as response:
            return Outcome(http_status=response.status, body=_excerpt(response.read(limit)))
    except urllib.error.HTTPError as error:
        return Outcome(http_status=error.code, body=_excerpt(error.read(limit)))
    except (OSError, http.client.HTTPException, ValueError) as error:
        reason = getattr(error, "reason", None) or error
        return Outcome(error=f"{type(reason).__name__}: {reason}"[:1000])


def headers_for(delivery: Delivery, body: bytes, now: datetime) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Truce-Event": delivery.event.kind,
        "Truce-Delivery": str(delivery.pk),
        SIGNATURE_HEADER: signature(
            secret=delivery.subscription.secret, timestamp=int(now.timestamp()), body=body
        ),
    }


def claim(delivery_id: int, now: datetime) -> bool:
    pending = Delivery.objects.filter(
        pk=delivery_id, status=DeliveryStatus.PENDING, claimed_at__isnull=True
    )
    return pending.update(claimed_at=now) == 1


def deliver(*, delivery_id: int) -> str | None:
    """Make one attempt if nobody has claimed it; its final status, or None if not ours."""
    now = timezone.now()
    if not claim(delivery_id, now):
        return None
    delivery = Delivery.objects.select_related("subscription", "event__actor").get(pk=delivery_id)
    if not delivery.subscription.is_active and not delivery.manual:
        outcome = Outcome(error="The subscription is paused.")
        return record(delivery, outcome, attempted_at=now, duration_ms=0, retry=False)
    body = body_for(delivery)
    started = time.monotonic()
    outcome = post(delivery.subscription.target_url, body, headers_for(delivery, body, now))
    duration_ms = int((time.monotonic() - started) * 1000)
    return record(delivery, outcome, attempted_at=now, duration_ms=duration_ms)


@transaction.atomic
def record(
    delivery: Delivery,
    outcome: Outcome,
    *,
    attempted_at: datetime,
    duration_ms: int,
    retry: bool = True,
) -> str:
    """Log the attempt; a failed automatic attempt below the limit gets its retry row."""
    still_there = Delivery.objects.select_for_update().filter(pk=delivery.pk)
    if still_there.values_list("pk", flat=True).first() is None:
        return "deleted"  # the webhook was deleted while this attempt was in flight
    fields: dict[str, Any] = {
        "attempted_at": attempted_at,
        "finished_at": timezone.now(),
        "http_status": outcome.http_status,
        "response_body": outcome.body,
        "error": outcome.error,
        "duration_ms": duration_ms,
        "status": DeliveryStatus.SUCCEEDED if outcome.ok else DeliveryStatus.GAVE_UP,
    }
    retry = retry and not outcome.ok and not delivery.manual
    if retry and delivery.attempt < settings.TRUCE_WEBHOOK_MAX_ATTEMPTS:
        due_at = attempted_at + backoff(delivery.attempt)
        follow = services.add_attempt(template=delivery, due_at=due_at, manual=False)
        transaction.on_commit(lambda: schedule_retry(follow.pk, due_at))
        fields.update(status=DeliveryStatus.FAILED, next_attempt_at=due_at)
    Delivery.objects.filter(pk=delivery.pk).update(**fields)
    return str(fields["status"])


def schedule_retry(delivery_id: int, due_at: datetime) -> None:
    from .tasks import deliver_webhook

    if deliver_webhook.get_backend().supports_defer:
        deliver_webhook.using(run_after=due_at).enqueue(delivery_id=delivery_id)
    # Otherwise (the immediate backend of the tests) the sweep sends it once it is due.


def due_ids(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    from .tasks import deliver_webhook

    cutoff = now or timezone.now()
    if deliver_webhook.get_backend().supports_defer:
        cutoff -= STRAGGLER_AFTER
    pending = Delivery.objects.filter(
        status=DeliveryStatus.PENDING, claimed_at__isnull=True, due_at__lte=cutoff
    )
    return list(pending.order_by("due_at", "pk").values_list("pk", flat=True)[:limit])


def deliver_due(*, now: datetime | None = None) -> int:
    """Enqueue a job for each pending attempt that is due; how many were enqueued."""
    ids = due_ids(now=now)
    services.enqueue_now(ids)
    return len(ids)
