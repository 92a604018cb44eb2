"""The API at /api/v1: auth, error shape and routers assembled (see docs/reference/api.md)."""

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.urls import URLPattern, URLResolver
from ninja import NinjaAPI

from truce.funnel.api import router as funnel_router
from truce.people.api import router as people_router
from truce.touches.api import router as touches_router

from .auth import AUTH
from .errors import install_handlers
from .responses import error_item, error_response


def _method_not_allowed(request: HttpRequest, allowed: str) -> HttpResponse:
    allowed = ", ".join(sorted(allowed.split(", ")))
    message = f"{request.method} is not allowed here; use {allowed}."
    return error_response(
        405, [error_item("method_not_allowed", None, message)], headers={"Allow": allowed}
    )


def _json_405(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """ninja answers a wrong method with a plain-text 405; give it the error shape."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            return _method_not_allowed(request, response["Allow"])
        return response

    return wrapped


def _read_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The OpenAPI document and the docs page answer any method in ninja; only GET makes sense."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            return _method_not_allowed(request, "GET, HEAD")
        return view(request, *args, **kwargs)

    return wrapped


def _wrap(pattern: URLPattern) -> URLPattern:
    view = _json_405(pattern.callback)
    if pattern.name == "api-root":
        # ninja's root page is an HTML 404; /api/v1/ is no endpoint, so answer like one.
        view = unknown_endpoint
    if pattern.name in ("openapi-json", "openapi-view"):
        view = _read_only(view)
    return URLPattern(pattern.pattern, view, pattern.default_args, pattern.name)


class TruceAPI(NinjaAPI):
    def _get_urls(self) -> list[URLResolver | URLPattern]:
        return [_wrap(p) if isinstance(p, URLPattern) else p for p in super()._get_urls()]


api = TruceAPI(
    title="Truce API",
    version="1",
    urls_namespace="api",
    auth=AUTH,
    description="The REST API of Truce. Errors share one JSON shape; see docs/reference/api.md.",
)
install_handlers(api)
api.add_router("", people_router)
api.add_router("", funnel_router)
api.add_router("", touches_router)
api.add_router("", "truce.assignment.api.router")
api.add_router("", "truce.agreements.sla_api.router")
api.add_router("", "truce.agreements.api.router")
api.add_router("", "truce.notify.api.router")
api.add_router("", "truce.transfer.api.router")
api.add_router("", "truce.transfer.import_api.router")
api.add_router("", "truce.webtolead.api.router")
api.add_router("", "truce.insights.api.router")
api.add_router("", "truce.planning.api.router")
api.add_router("", "truce.playbooks.api.router")
api.add_router("", "truce.pulse.api.router")


def unknown_endpoint(request: HttpRequest, rest: str = "") -> HttpResponse:
    message = f"No API endpoint at /api/v1/{rest}."
    return error_response(404, [error_item("not_found", None, message)])
