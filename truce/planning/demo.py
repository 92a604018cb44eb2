"""What `truce demo` seeds for planning: called after the demo agreement.

Two plans for the Analytics line: last quarter's, and this quarter's, where sales raised its
incentives while marketing cut the budget. That is the one disconnect the demo shows; the
other numbers are chosen to agree with the agreement in force and the measured funnel."""

from datetime import date, datetime
from decimal import ROUND_FLOOR, Decimal

from django.db import transaction
from django.utils import timezone

from truce.identity.models import Role, User

from . import periods, selectors, services
from .models import PeriodKind, Plan

LINE = "Analytics"
CAMPAIGNS = 9  # the demo SLA's 3 campaigns a month, over a quarter
LEADS = 300
REPS, TOUCHES_PER_REP_PER_WEEK = 5, 60  # 5 × 60 ÷ 3 touches per lead × 13 weeks ≫ 300 leads
FALLBACK_REVENUE = Decimal("400000")


def _quarter_start(day: date) -> date:
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def _reachable_revenue(now: datetime) -> Decimal:
    """A revenue target the measured funnel can reach: 90 % of leads × rate × average won."""
    funnel = selectors.measure_funnel(product_line=LINE, now=now)
    if funnel.won == 0:
        return FALLBACK_REVENUE
    reachable = Decimal(LEADS) * funnel.rate * funnel.average_won * Decimal("0.9")
    return reachable.quantize(Decimal("1000"), ROUND_FLOOR)


def _fields(budget: str, revenue: Decimal, incentives: list[dict[str, str]]) -> dict:
    return {
        "budget": budget,
        "planned_campaigns": CAMPAIGNS,
        "lead_target": LEADS,
        "revenue_target": revenue,
        "incentives": incentives,
        "reps": REPS,
        "touches_per_rep_per_week": TOUCHES_PER_REP_PER_WEEK,
    }


BONUS = {"name": "Quarterly closer bonus", "kind": "bonus", "amount": "10000"}
SPIFF = {"name": "Analytics upsell SPIFF", "kind": "spiff", "amount": "6000"}


@transaction.atomic
def install_demo_planning() -> None:
    """Idempotent: does nothing once this quarter's plans exist. Measured now, as the
    detector measures when the plan is saved."""
    now = timezone.now()
    start = _quarter_start(timezone.localdate(now))
    if Plan.objects.filter(period_kind=PeriodKind.QUARTER, period_start=start).exists():
        return
    admin = User.objects.filter(role=Role.ADMIN, is_active=True).order_by("pk").first()
    revenue = _reachable_revenue(now)
    before = periods.previous_start(kind=PeriodKind.QUARTER, start=start)
    for day, budget, incentives, note in (
        (before, "60000", [BONUS], "Last quarter's plan."),
        (start, "45000", [BONUS, SPIFF], "Budget trimmed; a SPIFF to push Analytics."),
    ):
        services.create_plan(
            actor=admin,
            period_kind=PeriodKind.QUARTER,
            period_start=day,
            product_line=LINE,
            fields=_fields(budget, revenue, incentives),
            note=note,
        )
