"""Cursor pagination, newest first. The cursor is opaque to clients: base64 of the last id seen."""

import base64
import binascii
from typing import Annotated, Any, TypeVar

from django.conf import settings
from django.db.models import Model, QuerySet
from ninja import Query
from pydantic import Field

from .errors import InvalidCursor
from .schemas import MAX_ID

DEFAULT_LIMIT = 50
# TRUCE_API_MAX_LIMIT (docs/reference/settings.md); read once, at import.
MAX_LIMIT: int = getattr(settings, "TRUCE_API_MAX_LIMIT", 200)

Limit = Annotated[int, Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Items per page.")]
Cursor = Annotated[
    str | None, Query(None, max_length=64, description="`next_cursor` of the previous page.")
]
LimitField = Annotated[int, Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)]

_M = TypeVar("_M", bound=Model)


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(str(last_id).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    if not text.isdigit() or not 1 <= int(text) <= MAX_ID:
        raise InvalidCursor("The cursor is not one this API gave out.", field="cursor")
    return int(text)


def page(qs: QuerySet[_M], *, limit: int, cursor: str | None) -> tuple[list[Any], str | None]:
    """One query for limit + 1 rows: the extra row only says whether another page exists."""
    if cursor:
        qs = qs.filter(pk__lt=decode_cursor(cursor))
    rows = list(qs.order_by("-pk")[: limit + 1])
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1]
    return rows, encode_cursor(last["id"] if isinstance(last, dict) else last.pk)
