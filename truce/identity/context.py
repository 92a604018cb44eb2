"""Template context every page gets."""

from typing import Any

from django.http import HttpRequest

from .permissions import NAV_ACTIONS, can


def permissions(request: HttpRequest) -> dict[str, Any]:
    """`may.<action>` for the navigation: which links this user's role can use."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"may": {}}
    return {"may": {action: can(user, action) for action in NAV_ACTIONS}}
