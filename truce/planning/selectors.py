"""Reads for planning. Every signed-in user reads every plan: plans are made in the open."""

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet, Sum

from truce.agreements import selectors as agreement_selectors
from truce.agreements.models import Agreement, CommitmentKind, Period
from truce.errors import NotFound
from truce.funnel import selectors as funnel_selectors
from truce.funnel.models import Outcome

from . import periods
from .disconnects import CampaignPromise, Facts, Funnel
from .models import Decision, Finding, PeriodKind, Plan, PlanRevision, ReviewMeeting

# Conversion is measured on MQLs closed over this trailing window; a line with fewer closed
# MQLs than MIN_CLOSED is measured on every line instead (and the finding says so).
WINDOW_DAYS = 180
MIN_CLOSED = 10


def plans_visible_to(*, user: Any) -> QuerySet[Plan]:
    open_findings = Count("current__findings", filter=Q(current__findings__resolved_by=None))
    return Plan.objects.select_related("current", "current__created_by").annotate(
        open_findings=open_findings
    )


def get_plan(*, user: Any, plan_id: int) -> Plan:
    plan = plans_visible_to(user=user).filter(pk=plan_id).first()
    if plan is None:
        raise NotFound(f"No plan with id {plan_id}.", field="plan_id")
    return plan


def revisions(*, plan: Plan) -> QuerySet[PlanRevision]:
    return plan.revisions.select_related("created_by").order_by("-number")


def findings(*, revision: PlanRevision) -> QuerySet[Finding]:
    return revision.findings.select_related(
        "resolved_by", "resolved_by__owner", "resolved_by__meeting"
    ).order_by("pk")


def get_finding(*, plan: Plan, finding_id: int) -> Finding:
    found = Finding.objects.filter(pk=finding_id, revision__plan=plan).first()
    if found is None:
        raise NotFound(f"No finding {finding_id} on this plan.", field="finding_id")
    return found


def reviews(*, plan: Plan) -> QuerySet[ReviewMeeting]:
    decisions = Decision.objects.select_related("owner").prefetch_related("findings")
    return plan.reviews.select_related("recorded_by").prefetch_related(
        "attendees", Prefetch("decisions", queryset=decisions)
    )


def previous_revision(*, plan: Plan) -> PlanRevision | None:
    """The newest revision of the previous period's plan for the same line and segment."""
    before = periods.previous_start(kind=plan.period_kind, start=plan.period_start)
    found = Plan.objects.filter(
        period_kind=plan.period_kind,
        period_start=before,
        product_line=plan.product_line,
        segment=plan.segment,
    ).select_related("current")
    first = found.first()
    return first.current if first is not None else None


def _closed_mqls(*, now: datetime, product_line: str | None) -> dict[str, Any]:
    qs = (
        funnel_selectors.leads_visible_to(user=None)
        .filter(
            qualified_at__isnull=False,
            outcome_at__gte=now - timedelta(days=WINDOW_DAYS),
            outcome_at__lte=now,
        )
        .exclude(outcome=Outcome.OPEN)
    )
    if product_line is not None:
        qs = qs.filter(product_line=product_line)
    won = Q(outcome=Outcome.WON)
    return qs.order_by().aggregate(
        closed=Count("pk"),
        won=Count("pk", filter=won),
        amount=Sum("amount", filter=won),
    )


def measure_funnel(*, product_line: str, now: datetime) -> Funnel:
    """MQL→won rate and average won amount over the trailing window (see disconnects.md)."""
    line = _closed_mqls(now=now, product_line=product_line) if product_line else None
    if line is not None and line["closed"] >= MIN_CLOSED:
        row, scope, fell_back = line, product_line, False
    else:
        row, scope, fell_back = _closed_mqls(now=now, product_line=None), "", line is not None
    return Funnel(
        scope=scope,
        fell_back=fell_back,
        line_closed=line["closed"] if line is not None else row["closed"],
        closed=row["closed"],
        won=row["won"],
        won_amount=row["amount"] or Decimal(0),
    )


def _periods_per_plan(commitment_period: str, plan: Plan) -> Decimal:
    months = Decimal(periods.MONTHS[PeriodKind(plan.period_kind)])
    if commitment_period == Period.WEEK:
        return periods.weeks_in(kind=plan.period_kind, start=plan.period_start)
    if commitment_period == Period.QUARTER:
        return months / 3
    return months


def _campaign_promises(agreement: Agreement, plan: Plan) -> list[CampaignPromise]:
    promises = []
    for commitment in agreement.commitments.all():
        if commitment.kind != CommitmentKind.CAMPAIGN_COUNT:
            continue
        scope = {"product_line": commitment.product_line, "segment": commitment.segment}
        if any(value and value != getattr(plan, key) for key, value in scope.items()):
            continue
        bound = {k: v for k, v in scope.items() if v}
        same_period = Plan.objects.filter(
            period_kind=plan.period_kind, period_start=plan.period_start, **bound
        )
        planned = same_period.aggregate(n=Sum("current__planned_campaigns"))["n"] or 0
        promises.append(
            CampaignPromise(
                target=commitment.target,
                period=commitment.period,
                periods=_periods_per_plan(commitment.period, plan),
                scope=" · ".join(bound.values()) or "all product lines",
                planned=planned,
            )
        )
    return promises


def _touches_per_lead(agreement: Agreement) -> Decimal | None:
    for commitment in agreement.commitments.all():
        if commitment.kind == CommitmentKind.TOUCHES:
            return Decimal(commitment.target)
    return None


def capacity_in_force(*, revision: PlanRevision) -> dict[str, Any] | None:
    """Leads per rep per week and for the period under the agreement in force, for the page."""
    agreement = agreement_selectors.agreement_in_force()
    m = _touches_per_lead(agreement) if agreement is not None else None
    if not m:
        return None
    plan = revision.plan
    per_week = Decimal(revision.touches_per_rep_per_week) / m
    weeks = periods.weeks_in(kind=plan.period_kind, start=plan.period_start)
    total = int(Decimal(revision.reps) * per_week * weeks)
    return {"touches_per_lead": m, "per_rep_week": per_week, "leads": total}


def gather(*, revision: PlanRevision, now: datetime) -> Facts:
    """Everything the rules read about one revision, measured at `now`."""
    plan = revision.plan
    agreement = agreement_selectors.agreement_in_force(at=now)
    base: dict[str, Any] = {
        "revision": revision,
        "previous": previous_revision(plan=plan),
        "weeks": periods.weeks_in(kind=plan.period_kind, start=plan.period_start),
        "window_days": WINDOW_DAYS,
        "funnel": measure_funnel(product_line=plan.product_line, now=now),
    }
    if agreement is None:
        return Facts(**base)
    return Facts(
        **base,
        agreement_version=agreement.version,
        touches_per_lead=_touches_per_lead(agreement),
        campaign_promises=_campaign_promises(agreement, plan),
    )
