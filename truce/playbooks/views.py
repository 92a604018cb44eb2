"""Pages: the library (with search), one playbook, editing it, its history with diffs,
recording a review, and the reviews that are due."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as PageDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from truce.errors import DomainError, NotFound
from truce.funnel import selectors as funnel_selectors
from truce.identity.permissions import can

from . import selectors, services
from .forms import PlaybookForm, ReviewForm, StepFormSet, collateral_text
from .models import Playbook
from .rendering import render_markdown


def _playbook(request: HttpRequest, key: str) -> Playbook:
    try:
        return selectors.get_playbook(user=request.user, key=key)
    except NotFound as exc:
        raise Http404(exc.message) from None


def _denied_unless(request: HttpRequest, playbook: Playbook | None) -> None:
    allowed = (
        can(request.user, "edit_playbooks")
        if playbook is None
        else services.may_edit(request.user, playbook)
    )
    if not allowed:
        raise PageDenied("Only the playbook's owner, a team owner or an admin may do this.")


@login_required
def playbook_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:200]
    rows = list(selectors.playbooks_visible_to(user=request.user, query=query))
    context = {
        "playbooks": rows,
        "q": query,
        "may_create": can(request.user, "edit_playbooks"),
        "due_count": selectors.due_reviews(user=request.user).count(),
        "today": timezone.localdate(),
        "nav": "playbooks",
    }
    template = "playbooks/partials/results.html" if request.headers.get("HX-Request") else None
    return render(request, template or "playbooks/playbook_list.html", context)


@login_required
def playbook_detail(request: HttpRequest, key: str) -> HttpResponse:
    playbook = _playbook(request, key)
    context = {
        "playbook": playbook,
        "version": playbook.current,
        "body": render_markdown(playbook.current.body if playbook.current else ""),
        "reviews": list(selectors.reviews(playbook=playbook)[:20]),
        "may_edit": services.may_edit(request.user, playbook),
        "today": timezone.localdate(),
        "nav": "playbooks",
    }
    return render(request, "playbooks/playbook_detail.html", context)


def _steps(formset: Any) -> tuple[list[dict[str, str]], list[int]]:
    """The non-blank rows in order, and which form row each came from (to place errors)."""
    rows = [(i, f) for i, f in enumerate(formset.forms) if f.is_valid() and not f.is_blank()]
    return [dict(f.cleaned_data) for _, f in rows], [i for i, _ in rows]


def _place(exc: DomainError, bound: PlaybookForm, formset: Any, origin: list[int]) -> None:
    """Put a refusal on the field it names: `steps.2.why` is the why of the third step."""
    parts = (exc.field or "").split(".")
    if parts[0] == "steps" and len(parts) == 3 and int(parts[1]) < len(origin):
        formset.forms[origin[int(parts[1])]].add_error(parts[2], exc.message)
        return
    field = bound.fields.get(parts[0])
    # A refusal of a hidden field (base_version: someone saved meanwhile) goes on top.
    bound.add_error(parts[0] if field and not field.widget.is_hidden else None, exc.message)


def _save(request: HttpRequest, bound: PlaybookForm, formset: Any, playbook: Playbook | None):
    if not (bound.is_valid() and formset.is_valid()):
        return None
    steps, origin = _steps(formset)
    values = {**bound.values(), "steps": steps}
    try:
        if playbook is None:
            return services.create_playbook(
                actor=request.user, key=bound.cleaned_data["key"], **values
            )
        services.edit_playbook(
            playbook=playbook,
            actor=request.user,
            change_note=bound.cleaned_data["change_note"],
            changes=values,
            base_version=bound.cleaned_data["base_version"],
        )
        return playbook
    except DomainError as exc:
        _place(exc, bound, formset, origin)
        return None


@login_required
def playbook_create(request: HttpRequest) -> HttpResponse:
    _denied_unless(request, None)
    data = request.POST if request.method == "POST" else None
    initial = {"review_cadence_days": 90, "owner": request.user}
    bound = PlaybookForm(data, creating=True, initial=initial)
    formset = StepFormSet(data, prefix="steps")
    if data is not None:
        saved = _save(request, bound, formset, None)
        if saved is not None:
            messages.success(request, "The playbook was created as version 1.")
            return redirect("playbooks:detail", key=saved.key)
    context = {"bound": bound, "formset": formset, "nav": "playbooks"}
    status = 400 if data is not None else 200
    return render(request, "playbooks/playbook_edit.html", context, status=status)


def _initial(playbook: Playbook) -> tuple[dict[str, Any], list[dict[str, str]]]:
    values = services.current_values(playbook)
    assert playbook.current is not None
    initial = {
        **{k: values[k] for k in ("title", "purpose", "body", "stages", "terms", "owner")},
        "review_cadence_days": values["review_cadence_days"],
        "collateral": collateral_text(values["collateral"]),
        "base_version": playbook.current.number,
    }
    return initial, values["steps"]


@login_required
def playbook_edit(request: HttpRequest, key: str) -> HttpResponse:
    playbook = _playbook(request, key)
    _denied_unless(request, playbook)
    data = request.POST if request.method == "POST" else None
    initial, steps = _initial(playbook)
    bound = PlaybookForm(data, creating=False, initial=initial)
    formset = StepFormSet(data, prefix="steps", initial=steps)
    if data is not None and _save(request, bound, formset, playbook) is not None:
        messages.success(request, "Saved as a new version.")
        return redirect("playbooks:history", key=playbook.key)
    context = {"bound": bound, "formset": formset, "playbook": playbook, "nav": "playbooks"}
    status = 400 if data is not None else 200
    return render(request, "playbooks/playbook_edit.html", context, status=status)


def _numbers(request: HttpRequest, latest: int) -> tuple[int, int]:
    def number(name: str, default: int) -> int:
        text = request.GET.get(name, "")
        return int(text) if text.isdigit() and 1 <= int(text) <= latest else default

    return number("from", max(latest - 1, 1)), number("to", latest)


@login_required
def playbook_history(request: HttpRequest, key: str) -> HttpResponse:
    playbook = _playbook(request, key)
    versions = list(selectors.versions(playbook=playbook))
    old, new = _numbers(request, versions[0].number)
    context = {
        "playbook": playbook,
        "versions": versions,
        "diff": selectors.diff(playbook=playbook, old=old, new=new),
        "old": old,
        "new": new,
        "nav": "playbooks",
    }
    return render(request, "playbooks/playbook_history.html", context)


@login_required
def playbook_review(request: HttpRequest, key: str) -> HttpResponse:
    playbook = _playbook(request, key)
    _denied_unless(request, playbook)
    data = request.POST if request.method == "POST" else None
    initial = {"reviewed_on": timezone.localdate(), "attendees": [request.user]}
    bound = ReviewForm(data, initial=initial)
    if data is not None and bound.is_valid():
        try:
            review = services.record_review(
                playbook=playbook, actor=request.user, **bound.cleaned_data
            )
        except DomainError as exc:
            bound.add_error(exc.field if exc.field in bound.fields else None, exc.message)
        else:
            due = review.next_review_due.strftime("%-d %B %Y")
            messages.success(request, f"Review recorded. The next one is due on {due}.")
            return redirect("playbooks:detail", key=playbook.key)
    context = {"bound": bound, "playbook": playbook, "nav": "playbooks"}
    status = 400 if data is not None else 200
    return render(request, "playbooks/playbook_review.html", context, status=status)


@login_required
def due_reviews(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    rows = [
        (playbook, (today - playbook.next_review_due).days)
        for playbook in selectors.due_reviews(user=request.user, today=today)
    ]
    context = {"rows": rows, "today": today, "nav": "playbooks"}
    return render(request, "playbooks/due_reviews.html", context)


@login_required
def for_lead(request: HttpRequest, lead_id: int) -> HttpResponse:
    """The lead page's guidance card alone: reloaded after the lead moved to another stage."""
    try:
        lead = funnel_selectors.get_lead(user=request.user, lead_id=lead_id)
    except NotFound as exc:
        raise Http404(exc.message) from None
    context = {"lead": lead, "playbooks": selectors.for_stage(stage_id=lead.stage_id)}
    return render(request, "playbooks/partials/for_lead.html", context)
