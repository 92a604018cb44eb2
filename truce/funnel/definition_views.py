"""The sales-ready definition page: versions, signatures, diffs, proposing and signing.

One view renders the full page or, for htmx, only its body; refusals show beside the form
they came from. Writes go through the same services as the API.
"""

import difflib
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from truce.errors import DomainError
from truce.identity.permissions import can

from .models import SalesReadyDefinition
from .services import qualification


def rule_diff(old: str, new: str) -> list[tuple[str, str]]:
    """Word by word: ("same" | "removed" | "added", text) segments from old to new."""
    a, b = old.split(), new.split()
    segments: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            segments.append(("same", " ".join(a[i1:i2])))
            continue
        if i2 > i1:
            segments.append(("removed", " ".join(a[i1:i2])))
        if j2 > j1:
            segments.append(("added", " ".join(b[j1:j2])))
    return segments


def _side(user: Any) -> str:
    return "marketing" if user.role == "marketing_owner" else "sales"


def _row(
    d: SalesReadyDefinition, previous: SalesReadyDefinition | None, user: Any, error: str
) -> dict[str, Any]:
    status = qualification.status(d)
    signable = (
        can(user, "sign_definition")
        and user.role in ("marketing_owner", "sales_owner")
        and status == "awaiting_signatures"
        and getattr(d, f"{_side(user)}_signed_by_id") is None
    )
    return {
        "definition": d,
        "status": status,
        "diff": rule_diff(previous.rule, d.rule) if previous else None,
        "previous": previous,
        "signable": signable,
        "error": error,
    }


def _context(
    request: HttpRequest,
    *,
    errors: dict[str, str] | None = None,
    bound: dict[str, str] | None = None,
) -> dict[str, Any]:
    versions = list(qualification.definitions())  # newest first
    older: list[SalesReadyDefinition | None] = [*versions[1:], None]
    errors = errors or {}
    rows = [
        _row(d, prev, request.user, errors.get(f"sign-{d.version}", ""))
        for d, prev in zip(versions, older, strict=False)
    ]
    return {
        "rows": rows,
        "in_force": next((d for d in versions if qualification.status(d) == "in_force"), None),
        "can_propose": can(request.user, "configure_funnel"),
        "proposal": bound or {"rule": versions[0].rule if versions else "", "notes": ""},
        "errors": errors,
        "nav": "definitions",
    }


def _render(request: HttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    htmx = request.headers.get("HX-Request") == "true"
    template = "funnel/partials/definitions.html" if htmx else "funnel/definitions.html"
    return render(request, template, context, status=status)


@login_required
def definitions(request: HttpRequest) -> HttpResponse:
    return _render(request, _context(request))


def _done(request: HttpRequest, message: str) -> HttpResponse:
    messages.success(request, message)
    if request.headers.get("HX-Request") == "true":
        return _render(request, _context(request))
    return redirect("funnel:definitions")


@login_required
@require_POST
def propose(request: HttpRequest) -> HttpResponse:
    rule, notes = request.POST.get("rule", ""), request.POST.get("notes", "")
    try:
        definition = qualification.propose_definition(rule=rule, notes=notes, actor=request.user)
    except DomainError as error:
        context = _context(
            request, errors={"propose": error.message}, bound={"rule": rule, "notes": notes}
        )
        return _render(request, context, status=error.status)
    return _done(request, f"Version {definition.version} is proposed; both owners must sign it.")


@login_required
@require_POST
def sign(request: HttpRequest, version: int) -> HttpResponse:
    try:
        definition = qualification.sign_definition(version=version, actor=request.user)
    except DomainError as error:
        context = _context(request, errors={f"sign-{version}": error.message})
        return _render(request, context, status=error.status)
    if qualification.status(definition) == "in_force":
        return _done(request, f"Version {version} is signed by both owners and now in force.")
    return _done(request, f"You signed version {version}; it awaits the other owner.")
