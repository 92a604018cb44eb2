"""Pages: the plans, one plan with both sides and its findings, editing a plan, and recording
a joint review. Everyone signed in reads; the services decide who may write which side."""

from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as PageDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from truce.errors import DomainError, NotFound
from truce.identity.permissions import can

from . import selectors, services
from .forms import DecisionForm, NewPlanForm, PlanForm, ReviewForm, incentives_text
from .models import Plan
from .values import PLAN_FIELDS

DECISION_ROWS = 3


def _plan(request: HttpRequest, plan_id: int) -> Plan:
    try:
        return selectors.get_plan(user=request.user, plan_id=plan_id)
    except NotFound as exc:
        raise Http404(exc.message) from None


def _may_plan(request: HttpRequest) -> None:
    if not can(request.user, "review_plans"):
        raise PageDenied("Plans are made and reviewed by the two team owners (or an admin).")


def _refusal(bound: django_forms.Form, exc: DomainError) -> None:
    """Put a service refusal on the field it names (incentives[2] → incentives)."""
    name = (exc.field or "").split("[")[0].split(".")[0]
    bound.add_error(name if name in bound.fields else None, exc.message)


@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    plans = list(selectors.plans_visible_to(user=request.user))
    context = {"plans": plans, "may_plan": can(request.user, "review_plans"), "nav": "plans"}
    return render(request, "planning/plan_list.html", context)


@login_required
def plan_detail(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = _plan(request, plan_id)
    revision = plan.current
    context = {
        "plan": plan,
        "revision": revision,
        "campaigns": list(revision.campaigns.order_by("name")) if revision else [],
        "findings": list(selectors.findings(revision=revision)) if revision else [],
        "reviews": list(selectors.reviews(plan=plan)),
        "history": list(selectors.revisions(plan=plan)),
        "previous": selectors.previous_revision(plan=plan),
        "capacity": selectors.capacity_in_force(revision=revision) if revision else None,
        "may_plan": can(request.user, "review_plans"),
        "nav": "plans",
    }
    return render(request, "planning/plan_detail.html", context)


@login_required
def plan_create(request: HttpRequest) -> HttpResponse:
    _may_plan(request)
    initial = {name: 0 for name in PLAN_FIELDS} | {"period_kind": "quarter", "incentives": ""}
    bound = NewPlanForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and bound.is_valid():
        data = bound.cleaned_data
        try:
            plan = services.create_plan(
                actor=request.user,
                period_kind=data["period_kind"],
                period_start=data["period_start"],
                product_line=data["product_line"],
                segment=data["segment"],
                fields=bound.changes(),
                note=data["note"],
            )
        except DomainError as exc:
            _refusal(bound, exc)
        else:
            messages.success(request, "The plan was created and checked for disconnects.")
            return redirect("planning:plan_detail", plan_id=plan.pk)
    status = 400 if request.method == "POST" else 200
    context = {"bound": bound, "nav": "plans"}
    return render(request, "planning/plan_edit.html", context, status=status)


def _initial(plan: Plan) -> dict[str, Any]:
    revision = plan.current
    assert revision is not None
    values = {name: getattr(revision, name) for name in PLAN_FIELDS if name != "campaigns"}
    values["incentives"] = incentives_text(revision.incentives)
    return values | {"campaigns": list(revision.campaigns.all())}


@login_required
def plan_edit(request: HttpRequest, plan_id: int) -> HttpResponse:
    _may_plan(request)
    plan = _plan(request, plan_id)
    bound = PlanForm(request.POST or None, user=request.user, initial=_initial(plan))
    if request.method == "POST" and bound.is_valid():
        base = request.POST.get("base_revision", "")
        try:
            services.revise_plan(
                plan=plan,
                actor=request.user,
                changes=bound.changes(),
                base_revision=int(base) if base.isdigit() else None,
                note=bound.cleaned_data["note"],
            )
        except DomainError as exc:
            _refusal(bound, exc)
        else:
            messages.success(request, "The plan was saved as a new revision and checked again.")
            return redirect("planning:plan_detail", plan_id=plan.pk)
    status = 400 if request.method == "POST" else 200
    context = {"bound": bound, "plan": plan, "nav": "plans"}
    return render(request, "planning/plan_edit.html", context, status=status)


@login_required
def plan_recheck(request: HttpRequest, plan_id: int) -> HttpResponse:
    _may_plan(request)
    plan = _plan(request, plan_id)
    if request.method != "POST":
        return redirect("planning:plan_detail", plan_id=plan.pk)
    before = plan.revision_count
    revision = services.recheck_plan(plan=plan, actor=request.user)
    if revision.number == before:
        messages.success(request, "Checked again: the findings are unchanged.")
    else:
        messages.success(
            request, f"Checked again: the findings changed (revision {revision.number})."
        )
    return redirect("planning:plan_detail", plan_id=plan.pk)


def _decision_forms(request: HttpRequest, findings: list[Any]) -> list[DecisionForm]:
    data = request.POST if request.method == "POST" else None
    return [
        DecisionForm(data, findings=findings, prefix=f"decision-{index}")
        for index in range(DECISION_ROWS)
    ]


def _entries(rows: list[DecisionForm]) -> list[services.DecisionEntry]:
    return [
        services.DecisionEntry(
            text=row.cleaned_data["text"],
            owner=row.cleaned_data["owner"],
            due_on=row.cleaned_data["due_on"],
            resolves=tuple(int(i) for i in row.cleaned_data["resolves"]),
        )
        for row in rows
        if not row.is_blank()
    ]


@login_required
def review_create(request: HttpRequest, plan_id: int) -> HttpResponse:
    _may_plan(request)
    plan = _plan(request, plan_id)
    open_findings = [f for f in selectors.findings(revision=plan.current) if f.resolved_by is None]  # type: ignore[arg-type]
    bound = ReviewForm(request.POST or None)
    rows = _decision_forms(request, open_findings)
    if request.method == "POST" and bound.is_valid() and all(r.is_valid() for r in rows):
        try:
            services.record_review(
                plan=plan,
                actor=request.user,
                held_on=bound.cleaned_data["held_on"],
                attendees=list(bound.cleaned_data["attendees"]),
                decisions=_entries(rows),
                notes=bound.cleaned_data["notes"],
            )
        except DomainError as exc:
            _refusal(bound, exc)
        else:
            messages.success(request, "The review was recorded.")
            return redirect("planning:plan_detail", plan_id=plan.pk)
    status = 400 if request.method == "POST" else 200
    context = {"bound": bound, "rows": rows, "plan": plan, "nav": "plans"}
    return render(request, "planning/review_form.html", context, status=status)
