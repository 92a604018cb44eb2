"""The public endpoint /f/<key>/: no sign-in, no CSRF token (the page posting is not ours).

A form post (the HTML snippet) is answered with a redirect or a small page; a JSON post with
JSON, and CORS headers for the form's allowed origins only. Every refusal has a code, a field
and a reason, and creates nothing.
"""

from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from truce.api.responses import error_item, error_response, json_response
from truce.errors import DomainError

from . import intake, selectors, services, throttle
from .errors import MethodNotAllowed, OriginNotAllowed, Throttled
from .models import WebForm
from .snippet import render_snippet

_ALLOWED = "GET, HEAD, OPTIONS, POST"
# The rate limit's clock: a name of its own so tests can move time instead of sleeping.
clock = timezone.now


def _cors(request: HttpRequest, form: WebForm | None) -> dict[str, str]:
    origin = request.headers.get("Origin", "")
    headers = {"Vary": "Origin"}
    if form is not None and origin and origin.lower().rstrip("/") in form.allowed_origins:
        headers["Access-Control-Allow-Origin"] = origin
    return headers


def _check_origin(request: HttpRequest, form: WebForm) -> None:
    """A browser script may only post JSON from an allowed origin. Without an Origin header
    (a server, curl) there is no page to protect, and the post is accepted."""
    origin = request.headers.get("Origin", "")
    if origin and origin.lower().rstrip("/") not in form.allowed_origins:
        raise OriginNotAllowed(
            f"This form does not accept JSON submissions from {origin}.", field="Origin"
        )


def _preflight(request: HttpRequest, form: WebForm) -> HttpResponse:
    headers = _cors(request, form)
    if "Access-Control-Allow-Origin" in headers:
        headers |= {
            "Access-Control-Allow-Methods": "POST, OPTIONS",
            "Access-Control-Allow-Headers": "Content-Type",
            "Access-Control-Max-Age": "600",
        }
    return HttpResponse(status=204, headers={**headers, "Allow": _ALLOWED})


def _error(request: HttpRequest, exc: DomainError, form: WebForm | None) -> HttpResponse:
    headers = _cors(request, form)
    if isinstance(exc, Throttled):
        headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, MethodNotAllowed):
        headers["Allow"] = _ALLOWED
    if intake.is_json(request):
        item = error_item(exc.code, exc.field, exc.message)
        return error_response(exc.status, [item], headers=headers)
    context = {"error": exc, "form": form}
    response = render(request, "webtolead/public_error.html", context, status=exc.status)
    for name, value in headers.items():
        response[name] = value
    return response


def _thanks(request: HttpRequest, form: WebForm) -> HttpResponse:
    """The same answer whether the submission was real or caught by the honeypot."""
    if intake.is_json(request):
        body = {
            "status": "received",
            "message": services.thank_you(form),
            "redirect_url": form.redirect_url or None,
        }
        return json_response(body, headers=_cors(request, form))
    if form.redirect_url:
        return HttpResponseRedirect(form.redirect_url, status=303)
    return render(request, "webtolead/public_thanks.html", {"message": services.thank_you(form)})


def _submit(request: HttpRequest, form: WebForm) -> HttpResponse:
    if intake.is_json(request):
        _check_origin(request, form)
    throttle.hit(address=throttle.client_address(request.META), now=clock())
    intake.check_size(request)
    data = intake.read_body(request)
    if intake.is_spam(data):
        services.record_spam(form=form)
        return _thanks(request, form)
    entry = intake.clean(form, data, request.GET, strict=intake.is_json(request))
    services.submit_form(form=form, entry=entry)
    return _thanks(request, form)


def _hosted(request: HttpRequest, form: WebForm) -> HttpResponse:
    snippet = render_snippet(form, base_url="")
    return render(request, "webtolead/public_form.html", {"form": form, "snippet": snippet})


def _dispatch(request: HttpRequest, form: WebForm) -> HttpResponse:
    if request.method == "OPTIONS":
        return _preflight(request, form)
    if request.method in ("GET", "HEAD"):
        return _hosted(request, form)
    if request.method == "POST":
        return _submit(request, form)
    raise MethodNotAllowed(f"{request.method} is not allowed here; use {_ALLOWED}.")


@csrf_exempt
def submit(request: HttpRequest, key: str) -> HttpResponse:
    form: Any = None
    try:
        form = selectors.public_form(key=key)
        return _dispatch(request, form)
    except DomainError as exc:
        return _error(request, exc, form)
