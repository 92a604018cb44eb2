"""The rep's queue page: assigned leads, most urgent first, accepted or rejected in place.

One view serves the page or, for htmx, just the table; the actions answer htmx with the one
row they changed (a refusal shown in that row), and without JavaScript redirect back.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from truce.agreements import selectors as agreement_selectors
from truce.errors import DomainError, NotFound
from truce.funnel import selectors as funnel_selectors
from truce.funnel.models import Lead, ReasonKind
from truce.funnel.services import disposition

from . import selectors


def _htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _reasons() -> list[Any]:
    return list(funnel_selectors.reasons(kind=ReasonKind.REJECTED))


def _row(
    lead: Lead, reasons: list[Any], error: str = "", note: str = "", schedule: Any = None
) -> dict[str, Any]:
    left = agreement_selectors.business_time_left(
        schedule=schedule, due_at=getattr(lead, "next_due", None), now=timezone.now()
    )
    return {"lead": lead, "error": error, "reasons": reasons, "note": note, "left": _left(left)}


def _left(left: Any) -> str:
    """The next SLA deadline in business time: "2 h 15 min left" or "overdue by 40 min"."""
    if left is None:
        return ""
    minutes = int(abs(left.total_seconds()) // 60)
    hours, minutes = divmod(minutes, 60)
    text = f"{hours} h {minutes} min" if hours else f"{minutes} min"
    return f"overdue by {text}" if left.total_seconds() < 0 else f"{text} left"


def _queue_context(request: HttpRequest, refused: dict[str, Any] | None = None) -> dict[str, Any]:
    reasons = _reasons()
    schedule = agreement_selectors.schedule_in_force()
    rows = [
        _row(lead, reasons, schedule=schedule) for lead in selectors.queue_for(user=request.user)
    ]
    if refused:
        rows = [refused if row["lead"].pk == refused["lead"].pk else row for row in rows]
    return {"rows": rows, "nav": "queue"}


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    template = "assignment/partials/queue_table.html" if _htmx(request) else "assignment/queue.html"
    return render(request, template, _queue_context(request))


def _lead(request: HttpRequest, lead_id: int) -> Lead:
    try:
        return selectors.queue_lead(user=request.user, lead_id=lead_id)
    except NotFound as error:
        raise Http404(error.message) from None


def _act(request: HttpRequest, lead_id: int, action: Any, done: str) -> HttpResponse:
    lead = _lead(request, lead_id)
    try:
        action(lead)
    except DomainError as error:
        row = _row(_lead(request, lead_id), _reasons(), error.message, request.POST.get("note", ""))
        if _htmx(request):
            return render(request, "assignment/partials/queue_row.html", row, status=error.status)
        context = _queue_context(request, refused=row)
        return render(request, "assignment/queue.html", context, status=error.status)
    if _htmx(request):
        row = _row(_lead(request, lead_id), _reasons())
        return render(request, "assignment/partials/queue_row.html", {**row, "done": done})
    messages.success(request, done)
    return redirect("assignment:queue")


@login_required
@require_POST
def accept(request: HttpRequest, lead_id: int) -> HttpResponse:
    def act(lead: Lead) -> None:
        disposition.accept_lead(lead=lead, actor=request.user)

    return _act(request, lead_id, act, "Accepted: the lead is now a SAL.")


@login_required
@require_POST
def reject(request: HttpRequest, lead_id: int) -> HttpResponse:
    def act(lead: Lead) -> None:
        disposition.reject_lead(
            lead=lead,
            reason=request.POST.get("reason") or None,
            note=request.POST.get("note", ""),
            actor=request.user,
        )

    return _act(request, lead_id, act, "Rejected: the lead went back to marketing.")
