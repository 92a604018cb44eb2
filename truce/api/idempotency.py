"""`Idempotency-Key` on creates: a retry with the same key and body replays the first answer."""

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse

from .errors import IdempotencyKeyReused
from .models import IdempotencyRecord
from .responses import json_response

Created = tuple[int, dict[str, Any]]


def fingerprint(request: HttpRequest, body: dict[str, Any]) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{canonical}".encode()).hexdigest()


def _replay(record: IdempotencyRecord, digest: str) -> HttpResponse:
    if record.fingerprint != digest:
        raise IdempotencyKeyReused(
            "This Idempotency-Key was used with a different request; use a new key.",
            field="Idempotency-Key",
        )
    return json_response(record.body, status=record.status, headers={"Idempotent-Replayed": "true"})


def _stored(user: Any, key: str) -> IdempotencyRecord | None:
    return IdempotencyRecord.objects.filter(user=user, key=key).first()


def create_once(
    request: HttpRequest, *, key: str | None, body: dict[str, Any], create: Callable[[], Created]
) -> HttpResponse:
    """Run `create` at most once per user and key; the record commits with the created row."""
    if not key:
        status, data = create()
        return json_response(data, status=status)
    user, digest = request.auth, fingerprint(request, body)  # type: ignore[attr-defined]
    record = _stored(user, key)
    if record is not None:
        return _replay(record, digest)
    try:
        with transaction.atomic():
            status, data = create()
            stored = json.loads(json_response(data).content)
            IdempotencyRecord.objects.create(
                user=user, key=key, fingerprint=digest, status=status, body=stored
            )
    except IntegrityError:
        # A concurrent request with the same key won the race; answer as its retry.
        record = _stored(user, key)
        if record is None:
            raise
        return _replay(record, digest)
    return json_response(stored, status=status)
