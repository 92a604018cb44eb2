"""API-only error codes and the exception handlers that give every error the same JSON shape."""

import logging
from collections.abc import Callable
from typing import Any

from django.db import DataError, IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from truce.errors import DomainError

from .responses import error_item, error_response

logger = logging.getLogger(__name__)

_LOCATIONS = {"body", "query", "path", "header", "cookie", "form", "file"}
_PYDANTIC_CODES = {"missing": "missing", "extra_forbidden": "unknown_field"}
_HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    429: "throttled",
}


class Unauthenticated(DomainError):
    code = "unauthenticated"
    status = 401


class CsrfFailed(DomainError):
    code = "csrf_failed"
    status = 403


class InvalidCursor(DomainError):
    code = "invalid_cursor"


class IdempotencyKeyReused(DomainError):
    code = "idempotency_key_reused"
    status = 422


def _field(loc: tuple[Any, ...] | list[Any], body_names: set[str]) -> str | None:
    """`("body", "payload", "owner")` -> `"owner"`: the path inside the body or the query."""
    parts = list(loc)
    if parts and parts[0] in _LOCATIONS:
        parts = parts[1:]
    if parts and parts[0] in body_names:
        parts = parts[1:]
    return ".".join(str(p) for p in parts) or None


def _validation_item(error: dict[str, Any], body_names: set[str]) -> dict[str, Any]:
    code = _PYDANTIC_CODES.get(error.get("type", ""), "invalid")
    field = _field(error.get("loc", ()), body_names)
    message = str(error.get("msg", "Invalid value.")).removeprefix("Value error, ")
    if field is None:
        message = "The request needs a JSON object as its body."
    return error_item(code, field, message)


def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    body_names = {"payload"}  # every endpoint names its body parameter `payload`
    errors = [_validation_item(e, body_names) for e in exc.errors]
    return error_response(422, errors or [error_item("invalid", None, "Invalid input.")])


def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return error_response(exc.status, [error_item(exc.code, exc.field, exc.message)])


def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    message = "Send `Authorization: Bearer <token>` or sign in."
    return error_response(401, [error_item("unauthenticated", "Authorization", message)])


def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400 and isinstance(exc.__cause__, ValueError):
        message = "The request body is not valid JSON."
        return error_response(400, [error_item("malformed_json", None, message)])
    code = _HTTP_CODES.get(exc.status_code, "error")
    return error_response(exc.status_code, [error_item(code, None, str(exc.message))])


def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(404, [error_item("not_found", None, "Not found.")])


def on_integrity_error(request: HttpRequest, exc: IntegrityError) -> HttpResponse:
    logger.info("API write refused by the database: %s", exc)
    message = "The change conflicts with an existing record (a unique value is taken)."
    return error_response(409, [error_item("conflict", None, message)])


def on_data_error(request: HttpRequest, exc: DataError) -> HttpResponse:
    message = "A value does not fit its field (too long or out of range)."
    return error_response(400, [error_item("invalid", None, message)])


def on_overflow(request: HttpRequest, exc: OverflowError) -> HttpResponse:
    message = "A number is out of range."
    return error_response(400, [error_item("invalid", None, message)])


def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("Unhandled API error", exc_info=exc)
    message = "Something went wrong on our side; it was logged."
    return error_response(500, [error_item("server_error", None, message)])


_HANDLERS: list[tuple[type[Exception], Callable[..., HttpResponse]]] = [
    (Exception, on_unexpected),
    (DomainError, on_domain_error),
    (ValidationError, on_validation_error),
    (AuthenticationError, on_authentication_error),
    (HttpError, on_http_error),
    (Http404, on_not_found),
    (IntegrityError, on_integrity_error),
    (DataError, on_data_error),
    (OverflowError, on_overflow),
]


def install_handlers(api: NinjaAPI) -> None:
    for exc_class, handler in _HANDLERS:
        api.add_exception_handler(exc_class, handler)
