"""JSON responses for the API, encoded the same way whether a schema or a row built them."""

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse


def json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> HttpResponse:
    return HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder),
        status=status,
        content_type="application/json",
        headers=headers,
    )


def error_item(code: str, field: str | None, message: str) -> dict[str, Any]:
    return {"code": code, "field": field, "message": message}


def error_response(
    status: int, errors: list[dict[str, Any]], headers: dict[str, str] | None = None
) -> HttpResponse:
    """The one error shape: the first error at the top level, and all of them under `errors`."""
    return json_response({**errors[0], "errors": errors}, status=status, headers=headers)
