"""Who is calling: an API token (`Authorization: Bearer truce_...`) or the browser session."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from truce.identity.errors import InvalidToken
from truce.identity.services import user_for_token

from .errors import CsrfFailed, Unauthenticated

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        # One indexed query; last_used_at is deliberately not written on every request.
        try:
            return user_for_token(token=token.strip())
        except InvalidToken as exc:
            raise Unauthenticated(exc.message, field="Authorization") from None


class Session(APIKeyCookie):
    """The signed-in browser. Writes keep Django's CSRF check; reads need none."""

    param_name = settings.SESSION_COOKIE_NAME

    def __call__(self, request: HttpRequest) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if request.method not in _SAFE_METHODS and check_csrf(request):
            raise CsrfFailed("CSRF check failed: send the X-CSRFToken header.", field=None)
        return user

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return self(request)


AUTH = [BearerToken(), Session()]


def actor(request: HttpRequest) -> Any:
    """The authenticated user, who is the actor of every service the endpoint calls."""
    return request.auth  # type: ignore[attr-defined]
