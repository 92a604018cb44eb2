"""The agreement page: versions with their commitments, signatures and what changed, the form
to propose a version, and the owners' sign buttons. Writes go through the same services as the
API; a refusal shows beside the form it came from and changes nothing."""

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from truce.errors import DomainError
from truce.identity.permissions import can
from truce.identity.signing import SIDES

from . import selectors
from .models import Agreement, CommitmentKind
from .services import signing

TERMS = ("target", "period", "hours", "days", "escalate_after_hours")


def _terms(agreement: Agreement) -> dict[str, dict[str, Any]]:
    return {c.kind: {t: getattr(c, t) for t in TERMS} for c in agreement.commitments.all()}


def commitment_changes(old: Agreement, new: Agreement) -> list[tuple[str, str]]:
    """What a version changed from the one before: ("added" | "removed" | "changed", text)."""
    before, after = _terms(old), _terms(new)
    changes = []
    for kind in CommitmentKind:
        label = kind.label
        if kind in after and kind not in before:
            changes.append(("added", label))
        elif kind in before and kind not in after:
            changes.append(("removed", label))
        elif kind in before and before[kind] != after[kind]:
            moved = [
                f"{t} {before[kind][t]} → {after[kind][t]}"
                for t in TERMS
                if before[kind][t] != after[kind][t]
            ]
            changes.append(("changed", f"{label}: {', '.join(moved)}"))
    return changes


def _row(agreement: Agreement, previous: Agreement | None, user: Any, error: str) -> dict:
    status = selectors.status(agreement)
    side = SIDES.get(str(getattr(user, "role", "")))
    return {
        "agreement": agreement,
        "status": status,
        "error": error,
        "changes": commitment_changes(previous, agreement) if previous else None,
        "previous": previous,
        "signable": side is not None
        and status == "awaiting_signatures"
        and getattr(agreement, f"{side}_signed_by_id") is None,
    }


def _context(
    request: HttpRequest, errors: dict[str, str] | None = None, bound: dict[str, Any] | None = None
) -> dict[str, Any]:
    versions = list(selectors.agreements().order_by("-version"))
    errors = errors or {}
    rows = [
        _row(a, prev, request.user, errors.get(f"sign-{a.version}", ""))
        for a, prev in zip(versions, [*versions[1:], None], strict=False)
    ]
    current = _terms(versions[0]) if versions else {}
    return {
        "rows": rows,
        "nav": "agreement",
        "errors": errors,
        "in_force": next((r["agreement"] for r in rows if r["status"] == "in_force"), None),
        "can_propose": can(request.user, "configure_funnel"),
        "calendars": selectors.calendars(),
        "kinds": [(k, k.label, current.get(k, {})) for k in CommitmentKind],
        "bound": bound or {},
    }


def _render(request: HttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    htmx = request.headers.get("HX-Request") == "true"
    template = "agreements/partials/agreement.html" if htmx else "agreements/agreement.html"
    return render(request, template, context, status=status)


def _done(request: HttpRequest, message: str) -> HttpResponse:
    messages.success(request, message)
    if request.headers.get("HX-Request") == "true":
        return _render(request, _context(request))
    return redirect("sla:agreement")


@login_required
def agreement(request: HttpRequest) -> HttpResponse:
    return _render(request, _context(request))


def _posted_commitments(post: Any) -> list[dict[str, Any]]:
    commitments = []
    for kind in CommitmentKind:
        if not post.get(f"{kind}-include"):
            continue
        entry: dict[str, Any] = {"kind": kind.value}
        for term in TERMS:
            value = post.get(f"{kind}-{term}", "").strip()
            if value:
                entry[term] = int(value) if term == "days" and value.isdigit() else value
        commitments.append(entry)
    return commitments


def _date(value: str, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise DomainError(f"{value!r} is not a date (YYYY-MM-DD).", field=field) from None


@login_required
@require_POST
def propose(request: HttpRequest) -> HttpResponse:
    post = request.POST
    try:
        calendar = selectors.get_calendar(calendar_id=int(post.get("calendar") or 0))
        start = _date(post.get("effective_from", ""), "effective_from")
        if start is None:
            raise DomainError("Say from when the agreement is effective.", field="effective_from")
        created = signing.create_agreement(
            title=post.get("title", ""),
            calendar=calendar,
            effective_from=start,
            effective_to=_date(post.get("effective_to", ""), "effective_to"),
            summary=post.get("summary", ""),
            commitments=_posted_commitments(post),
            clock_on_reassign=post.get("clock_on_reassign", "restart"),
            actor=request.user,
        )
    except DomainError as error:
        context = _context(request, errors={"propose": error.message}, bound=dict(post.items()))
        return _render(request, context, status=error.status)
    return _done(request, f"Version {created.version} is proposed; both owners must sign it.")


@login_required
@require_POST
def sign(request: HttpRequest, version: int) -> HttpResponse:
    try:
        signed = signing.sign_agreement(
            agreement=selectors.get_agreement(version=version), actor=request.user
        )
    except DomainError as error:
        return _render(
            request,
            _context(request, errors={f"sign-{version}": error.message}),
            status=error.status,
        )
    if signed.in_force_from:
        return _done(request, f"Version {version} is signed by both owners and now in force.")
    return _done(request, f"You signed version {version}; it awaits the other owner.")
