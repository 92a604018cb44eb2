"""The canonical form of an event and its hash: the one definition both append and verify use."""

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

GENESIS_HASH = "0" * 64
# An event's stored columns, in the order the bulk writer inserts and the verifier reads them.
EVENT_COLUMNS = (
    "seq",
    "kind",
    "occurred_at",
    "recorded_at",
    "actor_id",
    "subject_type",
    "subject_id",
    "lead_id",
    "payload",
    "imported",
    "prev_hash",
    "hash",
)


def _canonical_numbers(value: Any) -> Any:
    # PostgreSQL's jsonb hands 1e16 back as 10000000000000000 and -0.0 as 0.0: integral
    # floats are stored and hashed as integers so both databases agree on the bytes.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _canonical_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_canonical_numbers(item) for item in value]
    return value


def normalise_payload(payload: dict[str, Any]) -> dict[str, Any]:
    """Round-trip through JSON so what is hashed is exactly what the database hands back."""
    return _canonical_numbers(json.loads(json.dumps(payload, cls=DjangoJSONEncoder)))


def canonical_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_hash(
    *,
    prev_hash: str,
    seq: int,
    kind: str,
    occurred_at: datetime,
    recorded_at: datetime,
    actor_id: int | None,
    subject_type: str,
    subject_id: int,
    lead_id: int | None,
    payload: dict[str, Any],
    imported: bool,
) -> str:
    body = json.dumps(
        [
            seq,
            kind,
            canonical_time(occurred_at),
            canonical_time(recorded_at),
            actor_id,
            subject_type,
            subject_id,
            lead_id,
            payload,
            imported,
        ],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(f"{prev_hash}\n{body}".encode()).hexdigest()
