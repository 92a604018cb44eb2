"""Every disconnect rule: a case that fires and one that does not, numbers worked by hand."""

from decimal import Decimal

import pytest

from truce.funnel.models import Outcome
from truce.ledger.models import Event
from truce.planning import services
from truce.planning.disconnects import (
    INCENTIVE_UP_BUDGET_DOWN,
    LEADS_ABOVE_CAPACITY,
    REVENUE_UNREACHABLE,
    TOO_FEW_CAMPAIGNS,
)

from .conftest import Q1_2026, Q4_2025

pytestmark = pytest.mark.django_db

BONUS = {"name": "Q bonus", "kind": "bonus", "amount": "10000"}
SPIFF = {"name": "Analytics SPIFF", "kind": "spiff", "amount": "5000"}


# Rule 1: an incentive raised where marketing's budget or lead target went down.


def test_incentive_raised_while_budget_cut_fires(make_plan, finding_of):
    make_plan(Q4_2025, budget="50000", lead_target=400, incentives=[BONUS])
    plan = make_plan(Q1_2026, budget="40000", lead_target=400, incentives=[BONUS, SPIFF])

    finding = finding_of(plan, INCENTIVE_UP_BUDGET_DOWN)

    assert finding.severity == "high"
    assert finding.numbers == {
        "incentives_before": "10000.00",
        "incentives_now": "15000.00",
        "budget_before": "50000.00",
        "budget_now": "40000.00",
        "lead_target_before": 400,
        "lead_target_now": 400,
    }
    assert finding.message == (
        "Sales incentives rose from 10,000.00 to 15,000.00 against the previous period's plan, "
        "while the marketing budget fell from 50,000.00 to 40,000.00: sales is paid to sell more "
        "of a line marketing is feeding less."
    )


def test_incentive_raised_while_lead_target_cut_fires(make_plan, finding_of):
    make_plan(Q4_2025, budget="50000", lead_target=400, incentives=[BONUS])
    plan = make_plan(Q1_2026, budget="50000", lead_target=300, incentives=[BONUS, SPIFF])

    finding = finding_of(plan, INCENTIVE_UP_BUDGET_DOWN)

    assert finding.numbers["lead_target_before"] == 400
    assert finding.numbers["lead_target_now"] == 300
    assert "the lead target fell from 400 to 300" in finding.message


@pytest.mark.parametrize(
    "now",
    [
        # incentives up, marketing up too: a growth bet both sides make
        {"budget": "60000", "lead_target": 450, "incentives": [BONUS, SPIFF]},
        # marketing cut, incentives unchanged
        {"budget": "30000", "lead_target": 300, "incentives": [BONUS]},
    ],
)
def test_incentive_rule_does_not_fire_when_the_sides_agree(make_plan, codes, now):
    make_plan(Q4_2025, budget="50000", lead_target=400, incentives=[BONUS])

    assert codes(make_plan(Q1_2026, **now)) == []


def test_incentive_rule_needs_the_previous_period_of_the_same_line(make_plan, codes):
    make_plan(Q4_2025, product_line="Platform", budget="50000", lead_target=400)

    plan = make_plan(Q1_2026, budget="1000", lead_target=10, incentives=[BONUS])

    assert codes(plan) == []


# Rule 2: a lead target above what the reps can work under the SLA.


@pytest.fixture
def five_touches(make_agreement):
    return make_agreement([{"kind": "touches", "target": 5, "days": 7}])


def test_lead_target_above_capacity_fires(five_touches, make_plan, finding_of):
    # 35 touches per rep per week ÷ 5 touches per lead = 7 leads per rep per week;
    # 4 reps × 7 × (90 days / 7) weeks = 360 leads.
    plan = make_plan(lead_target=400, reps=4, touches_per_rep_per_week=35)

    finding = finding_of(plan, LEADS_ABOVE_CAPACITY)

    assert finding.numbers == {
        "lead_target": 400,
        "reps": 4,
        "touches_per_rep_per_week": 35,
        "touches_per_lead": "5.00",
        "leads_per_rep_per_week": "7.00",
        "weeks": "12.857",
        "capacity": 360,
        "shortfall": 40,
        "agreement_version": five_touches.version,
    }
    assert finding.message.startswith(
        "The lead target of 400 is above the 360 leads sales can work under the SLA: 4 reps × "
        "7 leads per rep per week (35 touches per rep per week ÷ 5 touches per lead, agreement "
        f"v{five_touches.version}) × 12.9 weeks. 40 leads would go unworked."
    )


def test_lead_target_within_capacity_does_not_fire(five_touches, make_plan, codes):
    assert codes(make_plan(lead_target=360, reps=4, touches_per_rep_per_week=35)) == []


def test_a_month_has_its_own_weeks(five_touches, make_plan, finding_of):
    # February 2026: 28 days = 4 weeks; 2 reps × (20 ÷ 5) × 4 = 32 leads.
    plan = make_plan(
        Q1_2026.replace(month=2), kind="month", lead_target=33, reps=2, touches_per_rep_per_week=20
    )

    assert finding_of(plan, LEADS_ABOVE_CAPACITY).numbers["capacity"] == 32


def test_capacity_rule_needs_an_agreement_in_force(make_plan, codes):
    assert codes(make_plan(lead_target=400, reps=1, touches_per_rep_per_week=1)) == []


# Rule 3: a revenue target the measured funnel and the lead target cannot reach.


@pytest.fixture
def analytics_history(closed_leads):
    # 20 closed MQLs of Analytics in the window: 5 won at 12,000, 15 lost.
    closed_leads(5, product_line="Analytics", outcome=Outcome.WON, amount="12000")
    closed_leads(15, product_line="Analytics")
    # Not counted: closed before the 180-day window, never qualified, or still open.
    closed_leads(4, product_line="Analytics", outcome=Outcome.WON, amount="90000", days_ago=200)
    closed_leads(3, product_line="Analytics", outcome=Outcome.WON, amount="90000", qualified=False)
    closed_leads(2, product_line="Analytics", outcome=Outcome.OPEN)


def test_revenue_beyond_the_funnel_fires(analytics_history, make_plan, finding_of):
    # 100 leads × 5/20 won × 12,000 average = 300,000 reachable; 350,000 is 50,000 short.
    plan = make_plan(lead_target=100, revenue_target="350000")

    finding = finding_of(plan, REVENUE_UNREACHABLE)

    assert finding.numbers == {
        "revenue_target": "350000.00",
        "lead_target": 100,
        "mql_to_won_rate": "0.2500",
        "average_won_amount": "12000.00",
        "reachable_revenue": "300000.00",
        "shortfall": "50000.00",
        "closed_mqls": 20,
        "won": 5,
        "measured_on": "Analytics",
        "fell_back_to_all_lines": False,
        "window_days": 180,
    }
    assert finding.message == (
        "The revenue target of 350,000.00 is beyond what the funnel can deliver: 100 leads × "
        "25.0% MQL→won × 12,000.00 average won amount = 300,000.00, 50,000.00 short; measured "
        "on 20 MQLs of product line 'Analytics' closed in the last 180 days, 5 of them won."
    )


def test_revenue_within_reach_does_not_fire(analytics_history, make_plan, codes):
    assert codes(make_plan(lead_target=100, revenue_target="300000")) == []


def test_a_line_with_too_few_closed_leads_is_measured_on_every_line(
    analytics_history, closed_leads, make_plan, finding_of
):
    closed_leads(1, product_line="Services", outcome=Outcome.WON, amount="30000")
    closed_leads(1, product_line="Services")
    # All lines: 22 closed, 6 won for 90,000 (15,000 each); 110 × 6/22 × 15,000 = 450,000.
    plan = make_plan(product_line="Services", lead_target=110, revenue_target="500000")

    finding = finding_of(plan, REVENUE_UNREACHABLE)

    assert finding.numbers["mql_to_won_rate"] == "0.2727"
    assert finding.numbers["average_won_amount"] == "15000.00"
    assert finding.numbers["reachable_revenue"] == "450000.00"
    assert finding.numbers["shortfall"] == "50000.00"
    assert finding.numbers["closed_mqls"] == 22
    assert finding.numbers["measured_on"] == "all"
    assert finding.numbers["fell_back_to_all_lines"] is True
    assert finding.message.endswith(
        "measured on 22 MQLs of all product lines closed in the last 180 days, 6 of them won "
        "(this line had only 2 closed MQLs, too few to measure, so every line was used)."
    )


def test_revenue_rule_needs_closed_leads(make_plan, codes):
    assert codes(make_plan(lead_target=100, revenue_target="350000")) == []


# Rule 4: fewer campaigns planned than the agreement commits to.


@pytest.fixture
def three_a_month(make_agreement):
    return make_agreement([{"kind": "campaign_count", "target": 3, "period": "month"}])


def test_too_few_campaigns_fires(three_a_month, make_plan, finding_of):
    make_plan(product_line="Platform", planned_campaigns=4)
    # A quarter holds 3 months: 3 × 3 = 9 required; 4 + 4 planned across the lines.
    plan = make_plan(product_line="Analytics", planned_campaigns=4)

    finding = finding_of(plan, TOO_FEW_CAMPAIGNS)

    assert finding.severity == "medium"
    assert finding.numbers == {
        "planned": 8,
        "commitment_target": "3.00",
        "commitment_period": "month",
        "periods": "3.000",
        "required": "9.00",
        "scope": "all product lines",
        "agreement_version": three_a_month.version,
    }
    assert finding.message == (
        "8 campaigns are planned for all product lines this period, but the agreement "
        f"(v{three_a_month.version}) commits marketing to 3 per month × 3 = 9."
    )


def test_enough_campaigns_does_not_fire(three_a_month, make_plan, codes):
    make_plan(product_line="Platform", planned_campaigns=4)

    assert codes(make_plan(product_line="Analytics", planned_campaigns=5)) == []


def test_a_line_commitment_counts_that_line_only(make_agreement, make_plan, finding_of, codes):
    make_agreement(
        [{"kind": "campaign_count", "target": 2, "period": "month", "product_line": "Analytics"}]
    )
    make_plan(product_line="Platform", planned_campaigns=10)

    assert codes(make_plan(product_line="Platform", start=Q4_2025, planned_campaigns=0)) == []
    plan = make_plan(product_line="Analytics", planned_campaigns=5)
    assert finding_of(plan, TOO_FEW_CAMPAIGNS).numbers["required"] == "6.00"
    assert finding_of(plan, TOO_FEW_CAMPAIGNS).numbers["planned"] == 5


def test_findings_are_stored_per_revision(five_touches, make_plan, admin_user, codes):
    plan = make_plan(lead_target=400, reps=4, touches_per_rep_per_week=35)
    first = plan.current

    services.revise_plan(plan=plan, actor=admin_user, changes={"reps": 5})

    assert codes(plan) == []
    assert [f.code for f in first.findings.all()] == [LEADS_ABOVE_CAPACITY]
    assert plan.current.number == 2 and Decimal(plan.current.budget) == 0


def test_checking_again_stores_new_findings_as_a_new_revision(
    make_agreement, make_plan, admin_user, codes, counts
):
    plan = make_plan(lead_target=400, reps=4, touches_per_rep_per_week=35)
    assert codes(plan) == []  # no agreement in force yet: rule 2 is silent
    before = counts()
    assert services.recheck_plan(plan=plan, actor=admin_user).number == 1
    assert counts() == before  # nothing changed, nothing written

    make_agreement([{"kind": "touches", "target": 5, "days": 7}])
    revision = services.recheck_plan(plan=plan, actor=admin_user)

    assert revision.number == 2
    assert (revision.lead_target, revision.reps) == (400, 4)
    assert codes(plan) == [LEADS_ABOVE_CAPACITY]
    assert list(plan.revisions.get(number=1).findings.all()) == []  # history kept
    event = Event.objects.filter(kind="plan.rechecked").get()
    assert event.payload == {"revision": 2, "findings": [LEADS_ABOVE_CAPACITY]}
