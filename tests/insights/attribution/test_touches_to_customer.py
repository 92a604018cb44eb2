"""Touches and days before becoming a customer, from hand-written facts."""

import pytest

from tests.insights.given import given_facts
from truce.errors import DomainError
from truce.insights.facts.source import LIVE
from truce.insights.reports.base import REPORTS, Query

from .conftest import day

DAYS = 86400
START, END = day(-1), day(250)


def run(by=None, start=START, end=END):
    return REPORTS["touches_to_customer"](Query(by=by, start=start, end=end), LIVE)


@pytest.fixture
def make_customer(db):
    def make(lead_id, touches, first, won, source="web", outcome="won", **fields):
        return given_facts(
            lead_id=lead_id,
            created_at=day(0),
            cohort="2026-01",
            source=source,
            outcome=outcome,
            won_at=None if won is None else day(won),
            first_touch_at=None if first is None else day(first),
            touches_before_won=touches,
            **fields,
        )

    return make


@pytest.fixture
def customers(make_customer, make_campaign):
    """web: 1 touch/2 days, 3/5, 4/40, 10/200, and 0 touches with the first one after the
    win; event: 2 touches/half a day. Not counted: a lost lead, a win after the period."""
    campaign = make_campaign("Webinar week")
    make_customer(1, 1, 0, 2, campaign_id=campaign.pk)
    make_customer(2, 3, 0, 5, campaign_id=campaign.pk)
    make_customer(3, 4, 0, 40)
    make_customer(4, 10, 0, 200)
    make_customer(5, 0, 3, 1)
    make_customer(6, 2, 1, 1.5, source="event")
    make_customer(7, 7, 0, None, outcome="lost")
    make_customer(8, 5, 0, 300)
    return campaign


def rows(table):
    return {row["group"]: row for row in table.rows}


def test_by_source_medians_percentiles_and_histograms(customers):
    web, event = run(by="source").rows
    # touches [0, 1, 3, 4, 10]: nearest rank 3 of 5 -> 3, rank 5 -> 10.
    # days [2, 5, 40, 200] (lead 5's first touch came after its win): ranks 2 and 4.
    assert web == {
        "group": "web",
        "customers": 5,
        "touches_median": 3,
        "touches_p90": 10,
        "days_median": 5 * DAYS,
        "days_p90": 200 * DAYS,
        "no_first_touch": 1,
        "touches_0": 1,
        "touches_1": 1,
        "touches_2": 0,
        "touches_3_5": 2,
        "touches_6_10": 1,
        "touches_11_20": 0,
        "touches_21": 0,
        "days_0": 0,
        "days_1_7": 2,
        "days_7_30": 0,
        "days_30_90": 1,
        "days_90_180": 0,
        "days_180": 1,
    }
    assert (event["group"], event["customers"], event["touches_median"]) == ("event", 1, 2)
    assert (event["days_median"], event["days_p90"], event["days_0"]) == (DAYS // 2, DAYS // 2, 1)


def test_all_customers_together(customers):
    (everyone,) = run().rows
    # touches [0, 1, 2, 3, 4, 10]: ranks 3 and 6; days [0.5, 2, 5, 40, 200]: ranks 3 and 5.
    assert everyone["group"] == "All customers"
    assert (everyone["customers"], everyone["touches_median"], everyone["touches_p90"]) == (
        6,
        2,
        10,
    )
    assert (everyone["days_median"], everyone["days_p90"]) == (5 * DAYS, 200 * DAYS)


def test_by_campaign_names_the_origin_campaign(customers):
    found = rows(run(by="campaign"))
    assert {g: r["customers"] for g, r in found.items()} == {"(none)": 4, "Webinar week": 2}
    assert (found["Webinar week"]["touches_median"], found["Webinar week"]["touches_p90"]) == (1, 3)


def test_the_period_bounds_the_win(customers):
    # [day 2, day 40): leads 1 (day 2) and 2 (day 5); lead 3 won on day 40 exactly is out.
    (everyone,) = run(start=day(2), end=day(40)).rows
    assert (everyone["customers"], everyone["touches_median"], everyone["touches_p90"]) == (2, 1, 3)


def test_no_customers_no_rows(db):
    table = run()
    assert table.rows == []
    assert table.chart["y"][0] == "touches_0"


def test_a_group_it_does_not_know_is_refused(db):
    with pytest.raises(DomainError) as refused:
        run(by="owner")
    assert (refused.value.field, refused.value.code) == ("by", "invalid_query")
