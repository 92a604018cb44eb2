"""The disconnect detector: rules that find where a plan's two sides pull apart.

Each rule reads one `Facts` (gathered once per revision by `gather` in selectors.py) and
returns findings with a code, a severity, a sentence a person can act on and the numbers
behind it. The formulas are written out in docs/explanation/disconnects.md.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

from .models import PlanRevision, Severity

INCENTIVE_UP_BUDGET_DOWN = "incentive_up_marketing_down"
LEADS_ABOVE_CAPACITY = "leads_above_capacity"
REVENUE_UNREACHABLE = "revenue_unreachable"
TOO_FEW_CAMPAIGNS = "too_few_campaigns"


@dataclass(frozen=True)
class Found:
    code: str
    severity: str
    message: str
    numbers: dict[str, Any]


@dataclass(frozen=True)
class Funnel:
    """What closed MQLs did over the trailing window, for the plan's line or for all lines."""

    scope: str  # the product line measured, or "" for every line
    fell_back: bool  # the plan's line had too few closed leads, so every line was measured
    line_closed: int  # closed MQLs of the plan's own line (what made it fall back)
    closed: int
    won: int
    won_amount: Decimal  # the sum of the won leads' amounts

    @property
    def rate(self) -> Decimal:
        return Decimal(self.won) / Decimal(self.closed) if self.closed else Decimal(0)

    @property
    def average_won(self) -> Decimal:
        return self.won_amount / Decimal(self.won) if self.won else Decimal(0)


@dataclass(frozen=True)
class CampaignPromise:
    """One `campaign_count` commitment that applies to the plan, against what is planned."""

    target: Decimal  # campaigns per commitment period
    period: str  # the commitment's period: week, month or quarter
    periods: Decimal  # how many of those the plan's period holds
    scope: str  # whom it binds: "all product lines" or a line/segment
    planned: int  # campaigns planned in the period by every plan in that scope


@dataclass(frozen=True)
class Facts:
    revision: PlanRevision
    previous: PlanRevision | None
    weeks: Decimal
    window_days: int
    agreement_version: int | None = None
    touches_per_lead: Decimal | None = None
    funnel: Funnel | None = None
    campaign_promises: list[CampaignPromise] = field(default_factory=list)


def money(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01'), ROUND_HALF_UP):,.2f}"


def number(value: Decimal, places: str = "0.1") -> str:
    return f"{value.quantize(Decimal(places), ROUND_HALF_UP).normalize():,f}"


def exact(value: Decimal, places: str = "0.01") -> str:
    """A number for the `numbers` dict: rounded, as a string, so JSON keeps it exact."""
    return str(value.quantize(Decimal(places), ROUND_HALF_UP))


def incentive_total(revision: PlanRevision) -> Decimal:
    return sum((Decimal(str(i["amount"])) for i in revision.incentives), Decimal(0))


def incentive_raised_while_marketing_cut(facts: Facts) -> list[Found]:
    """Rule 1: sales incentives went up on a line whose marketing budget or lead target went
    down, against the previous period's plan for the same line and segment."""
    now, before = facts.revision, facts.previous
    if before is None:
        return []
    paid_now, paid_before = incentive_total(now), incentive_total(before)
    budget_cut = now.budget < before.budget
    leads_cut = now.lead_target < before.lead_target
    if paid_now <= paid_before or not (budget_cut or leads_cut):
        return []
    cuts = []
    if budget_cut:
        cuts.append(f"the marketing budget fell from {money(before.budget)} to {money(now.budget)}")
    if leads_cut:
        cuts.append(f"the lead target fell from {before.lead_target} to {now.lead_target}")
    message = (
        f"Sales incentives rose from {money(paid_before)} to {money(paid_now)} against the "
        f"previous period's plan, while {' and '.join(cuts)}: sales is paid to sell more of a "
        "line marketing is feeding less."
    )
    numbers = {
        "incentives_before": exact(paid_before),
        "incentives_now": exact(paid_now),
        "budget_before": exact(before.budget),
        "budget_now": exact(now.budget),
        "lead_target_before": before.lead_target,
        "lead_target_now": now.lead_target,
    }
    return [Found(INCENTIVE_UP_BUDGET_DOWN, Severity.HIGH, message, numbers)]


def lead_target_above_capacity(facts: Facts) -> list[Found]:
    """Rule 2: more leads than the reps can work under the SLA. A lead costs M sales touches
    (the agreement's `touches` commitment), so leads per rep per week = touches per rep per
    week ÷ M, and capacity = reps × leads per rep per week × weeks in the period."""
    plan, m = facts.revision, facts.touches_per_lead
    if m is None or m <= 0 or plan.lead_target == 0:
        return []
    per_rep_week = Decimal(plan.touches_per_rep_per_week) / m
    capacity = (Decimal(plan.reps) * per_rep_week * facts.weeks).to_integral_value(ROUND_FLOOR)
    if plan.lead_target <= capacity:
        return []
    message = (
        f"The lead target of {plan.lead_target} is above the {capacity} leads sales can work "
        f"under the SLA: {plan.reps} reps × {number(per_rep_week)} leads per rep per week "
        f"({plan.touches_per_rep_per_week} touches per rep per week ÷ {number(m)} touches per "
        f"lead, agreement v{facts.agreement_version}) × {number(facts.weeks)} weeks. "
        f"{plan.lead_target - int(capacity)} leads would go unworked."
    )
    numbers = {
        "lead_target": plan.lead_target,
        "reps": plan.reps,
        "touches_per_rep_per_week": plan.touches_per_rep_per_week,
        "touches_per_lead": exact(m),
        "leads_per_rep_per_week": exact(per_rep_week),
        "weeks": exact(facts.weeks, "0.001"),
        "capacity": int(capacity),
        "shortfall": plan.lead_target - int(capacity),
        "agreement_version": facts.agreement_version,
    }
    return [Found(LEADS_ABOVE_CAPACITY, Severity.HIGH, message, numbers)]


def _funnel_words(funnel: Funnel, window_days: int) -> str:
    where = f"product line {funnel.scope!r}" if funnel.scope else "all product lines"
    text = (
        f"measured on {funnel.closed} MQLs of {where} closed in the last {window_days} days, "
        f"{funnel.won} of them won"
    )
    if funnel.fell_back:
        text += (
            f" (this line had only {funnel.line_closed} closed MQLs, too few to measure, "
            "so every line was used)"
        )
    return text


def revenue_beyond_funnel(facts: Facts) -> list[Found]:
    """Rule 3: revenue target > lead target × measured MQL→won rate × average won amount."""
    plan, funnel = facts.revision, facts.funnel
    if funnel is None or funnel.closed == 0 or plan.revenue_target <= 0:
        return []
    reachable = Decimal(plan.lead_target) * funnel.rate * funnel.average_won
    if plan.revenue_target <= reachable.quantize(Decimal("0.01"), ROUND_HALF_UP):
        return []
    percent = (funnel.rate * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)
    message = (
        f"The revenue target of {money(plan.revenue_target)} is beyond what the funnel can "
        f"deliver: {plan.lead_target} leads × {percent}% MQL→won × {money(funnel.average_won)} "
        f"average won amount = {money(reachable)}, "
        f"{money(plan.revenue_target - reachable)} short; "
        f"{_funnel_words(funnel, facts.window_days)}."
    )
    numbers = {
        "revenue_target": exact(plan.revenue_target),
        "lead_target": plan.lead_target,
        "mql_to_won_rate": exact(funnel.rate, "0.0001"),
        "average_won_amount": exact(funnel.average_won),
        "reachable_revenue": exact(reachable),
        "shortfall": exact(plan.revenue_target - reachable),
        "closed_mqls": funnel.closed,
        "won": funnel.won,
        "measured_on": funnel.scope or "all",
        "fell_back_to_all_lines": funnel.fell_back,
        "window_days": facts.window_days,
    }
    return [Found(REVENUE_UNREACHABLE, Severity.MEDIUM, message, numbers)]


def fewer_campaigns_than_promised(facts: Facts) -> list[Found]:
    """Rule 4: campaigns planned < the agreement's campaign_count target × periods. For each
    commitment that binds the plan, the campaigns of every plan in its scope are counted."""
    found = []
    for promise in facts.campaign_promises:
        required = promise.target * promise.periods
        if promise.planned >= required:
            continue
        message = (
            f"{promise.planned} campaigns are planned for {promise.scope} this period, but the "
            f"agreement (v{facts.agreement_version}) commits marketing to "
            f"{number(promise.target)} per {promise.period} × {number(promise.periods, '0.01')} "
            f"= {number(required)}."
        )
        numbers = {
            "planned": promise.planned,
            "commitment_target": exact(promise.target),
            "commitment_period": promise.period,
            "periods": exact(promise.periods, "0.001"),
            "required": exact(required),
            "scope": promise.scope,
            "agreement_version": facts.agreement_version,
        }
        found.append(Found(TOO_FEW_CAMPAIGNS, Severity.MEDIUM, message, numbers))
    return found


RULES: list[Callable[[Facts], list[Found]]] = [
    incentive_raised_while_marketing_cut,
    lead_target_above_capacity,
    revenue_beyond_funnel,
    fewer_campaigns_than_promised,
]


def detect(facts: Facts) -> list[Found]:
    return [found for rule in RULES for found in rule(facts)]
