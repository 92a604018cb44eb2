"""The attribution report on hand-built leads and touches: every figure worked out by hand."""

from decimal import Decimal

import pytest

from truce.errors import DomainError
from truce.insights.facts.source import LIVE
from truce.insights.reports.base import REPORTS, Query

from .conftest import day

D = Decimal


START, END = day(-1), day(15)


def run(by=None, start=START, end=END, source=LIVE, **options):
    return REPORTS["attribution"](Query(by=by, start=start, end=end, options=options), source)


def credit(table):
    return {row["group"]: row["credit"] for row in table.rows}


@pytest.fixture
def campaigns(make_campaign):
    return {
        "A": make_campaign("Spring search", channel="paid_search"),
        "B": make_campaign("Newsletter", channel="email"),
        "C": make_campaign("Webinar week", channel="webinar"),
    }


@pytest.fixture
def four_leads(make_journey, campaigns):
    """L1 created day 3, opportunity day 5, won day 10 for $1,000: marketing touches A day 0,
    B day 2 (channel email), C day 6, a sales call day 7 and A again day 12 (after the win).
    L2 won day 8 for $333.33 with only a sales touch. L3 lost, one touch A on day 5.
    L4 won day 20 (after the period) for $50, a touch B on day 1."""
    a, b, c = campaigns["A"], campaigns["B"], campaigns["C"]
    one = make_journey(
        [(0, a), (2, b, "email"), (6, c), (7, None, "", "sales"), (12, a)],
        created=3,
        opportunity=5,
        won=10,
        amount="1000.00",
        qualified=4,
    )
    two = make_journey([(1, None, "", "sales")], created=1, won=8, amount="333.33")
    three = make_journey([(5, a)], created=1, outcome="lost", opportunity=6)
    four = make_journey([(1, b)], created=1, won=20, amount="50.00")
    return one, two, three, four


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        # First and last touch read only the touch they credit: no row for the others.
        ("first_touch", {"Spring search": D("1000.00")}),
        ("last_touch", {"Webinar week": D("1000.00")}),
        # 100000 cents over 3: floor(100000 x 1/3) = 33333, floor(100000 x 2/3) = 66666, so
        # 33333, 33333 and the 33334 left to the last touch.
        (
            "linear",
            {"Spring search": D("333.33"), "Newsletter": D("333.33"), "Webinar week": D("333.34")},
        ),
        # first touch A, lead creation B (last before day 3), nothing between; C after.
        (
            "u_shaped",
            {"Spring search": D("500.00"), "Newsletter": D("500.00"), "Webinar week": D("0.00")},
        ),
        # the opportunity's last touch before day 5 is B too: A 300, B 600 -> 1/3 and 2/3.
        (
            "w_shaped",
            {"Spring search": D("333.33"), "Newsletter": D("666.67"), "Webinar week": D("0.00")},
        ),
        # close on C: 225 / 450 / 225.
        (
            "full_path",
            {"Spring search": D("250.00"), "Newsletter": D("500.00"), "Webinar week": D("250.00")},
        ),
    ],
)
def test_won_revenue_by_campaign_per_model(four_leads, model, expected):
    table = run(model=model)
    assert credit(table) == {**expected, "(no touch)": D("333.33")}


def test_time_decay_uses_the_half_life(four_leads):
    # Half-life 2 days, ages from day 10: A 10, B 8, C 4 days -> 1 : 2 : 8 of $1,000. Up to A
    # 1/11 (floor 90.90), up to B 3/11 (floor 272.72, so B 181.82), C the rest (727.28).
    table = run(model="time_decay", half_life_days="2")
    assert credit(table) == {
        "Webinar week": D("727.28"),
        "Newsletter": D("181.82"),
        "Spring search": D("90.90"),
        "(no touch)": D("333.33"),
    }


def test_rows_carry_share_and_touches_credited_and_sort_by_credit(four_leads):
    table = run(model="u_shaped")
    assert [(r["group"], r["share"], r["touches"]) for r in table.rows] == [
        # $500 of $1,333.33 = 37.5 %, $333.33 = 25.0 %.
        ("Newsletter", D("37.5"), 1),
        ("Spring search", D("37.5"), 1),
        ("(no touch)", D("25.0"), 0),
        ("Webinar week", D("0.0"), 0),
    ]
    assert [c.key for c in table.columns] == ["group", "credit", "share", "touches"]
    assert table.chart == {"type": "bar", "x": "group", "y": ["credit"]}
    assert "2 leads earned 1333.33" in table.notes[1]


def test_by_channel_uses_the_touch_channel_else_the_campaign_channel(four_leads):
    table = run(by="channel", model="linear")
    assert credit(table) == {
        "paid_search": D("333.33"),
        "email": D("333.33"),
        "webinar": D("333.34"),
        "(no touch)": D("333.33"),
    }


def test_counts_of_customers_and_opportunities(four_leads):
    # Customers won in the period: L1 (three touches) and L2 (none).
    assert credit(run(model="linear", value="customers")) == {
        "Spring search": D("0.333"),
        "Newsletter": D("0.333"),
        "Webinar week": D("0.334"),
        "(no touch)": D("1.000"),
    }
    # Opportunities: L1 on day 5 (touches A, B before it), L3 on day 6 (touch A on day 5).
    assert credit(run(model="first_touch", value="opportunities")) == {
        "Spring search": D("2.000"),
    }
    assert credit(run(model="last_touch", value="opportunities")) == {
        "Newsletter": D("1.000"),
        "Spring search": D("1.000"),
    }


def test_leads_are_credited_up_to_their_creation_or_to_their_first_touch(four_leads):
    # L1: A, B before day 3 -> a half each. L2: no marketing touch. L3: touch A on day 5,
    # after its creation on day 1, created it. L4: touch B on day 1, the moment it was created.
    assert credit(run(model="linear", value="leads")) == {
        "Spring search": D("1.500"),
        "Newsletter": D("1.500"),
        "(no touch)": D("1.000"),
    }


def test_mqls_without_an_opportunity_yet(four_leads):
    # L1 qualified on day 4, before its opportunity: W-shaped has first touch A and lead
    # creation B, nothing between -> a half each.
    assert credit(run(model="w_shaped", value="mqls")) == {
        "Spring search": D("0.500"),
        "Newsletter": D("0.500"),
    }


def test_the_period_bounds_the_conversion_half_open(four_leads):
    # L1 won on day 10 exactly: [day 10, day 21) holds L1 and L4; [day 0, day 10) only L2.
    assert credit(run(model="first_touch", start=day(10), end=day(21))) == {
        "Spring search": D("1000.00"),
        "Newsletter": D("50.00"),
    }
    assert credit(run(model="first_touch", start=day(0), end=day(10))) == {
        "(no touch)": D("333.33")
    }
    assert credit(run(model="first_touch", start=None, end=None))["Newsletter"] == D("50.00")


def test_a_reopened_lead_no_longer_counts_as_won(four_leads, make_journey):
    make_journey([(0, None)], won=9, amount="10.00", outcome="open")
    assert credit(run(model="first_touch"))["Spring search"] == D("1000.00")
    assert "(no campaign)" not in credit(run(model="first_touch"))


def test_touches_without_a_campaign_are_credited_to_no_campaign(make_journey):
    make_journey([(0, None, "social")], won=2, amount="12.34")
    assert credit(run(model="linear")) == {"(no campaign)": D("12.34")}
    assert credit(run(model="linear", by="channel")) == {"social": D("12.34")}


def test_nothing_converted_gives_no_rows(db):
    table = run(model="linear")
    assert table.rows == []
    assert "0 leads earned 0.00" in table.notes[1]


@pytest.mark.parametrize(
    ("options", "by", "field"),
    [
        ({"model": "v_shaped"}, None, "model"),
        ({"value": "profit"}, None, "value"),
        ({"half_life_days": "0"}, None, "half_life_days"),
        ({"half_life_days": "-3"}, None, "half_life_days"),
        ({"half_life_days": "soon"}, None, "half_life_days"),
        ({"half_life_days": "nan"}, None, "half_life_days"),
        ({"half_life_days": "Infinity"}, None, "half_life_days"),
        ({"half_life_days": "3651"}, None, "half_life_days"),
        ({}, "owner", "by"),
    ],
)
def test_bad_options_are_refused_with_the_field(db, options, by, field):
    with pytest.raises(DomainError) as refused:
        run(by=by, **options)
    assert (refused.value.field, refused.value.code, refused.value.status) == (
        field,
        "invalid_query",
        400,
    )


def test_without_options_it_is_linear_won_revenue_by_campaign(four_leads):
    table = REPORTS["attribution"](Query(start=START, end=END), LIVE)
    assert table.title == "Attribution of won revenue by campaign (linear)"
    assert credit(table)["Spring search"] == D("333.33")
    assert [c.label for c in table.columns][:2] == ["Campaign", "Won revenue"]


def test_half_lives_at_the_bounds_are_accepted(four_leads):
    # Half-life 3650 days, A 6 and B 4 days older than C: floor(2^(20 - 6/3650)) = 1047381,
    # floor(2^(20 - 4/3650)) = 1047779 and 2^20 = 1048576, of 3143736: up to A 33316.44
    # cents (floor 33316), up to B 66645.55 (floor 66645, so B 33329), C the rest (33355).
    assert credit(run(model="time_decay", half_life_days=3650)) == {
        "Spring search": D("333.16"),
        "Newsletter": D("333.29"),
        "Webinar week": D("333.55"),
        "(no touch)": D("333.33"),
    }
    # 0.01 days (14.4 minutes): the touch four days older weighs 2^-400, floored to 0.
    assert credit(run(model="time_decay", half_life_days="0.01"))["Webinar week"] == D("1000.00")
