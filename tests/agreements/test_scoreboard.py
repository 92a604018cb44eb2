"""The scoreboard's figures against hand-computed expectations.

The `november` fixture is a small month of work (always-open calendar, so business time is
wall time). What it holds, and so what every figure below should be:

- L6, campaign A (mona), to rita Oct 30 09:00: touched 10:00; the sweep at Nov 1 00:00
  breaches its disposition clock; accepted Nov 1 10:00.
- L1, A (mona), to rita Nov 2 09:00: touched 10:00, accepted 11:00, presenting Nov 10.
- L2, A (mona), to rita Nov 3 09:00: rejected 10:00 (its first-touch clock is cancelled).
- L3, B (max), to sam Nov 5 09:00: accepted 10:00, never touched.
- L4, B (max), to sam Nov 6 09:00: nothing.
- L5, no campaign, qualified Nov 7 09:00, never assigned.
Then the sweep runs at NOW = Nov 16 00:00, half-way through November.
Campaigns starting in November: A (Nov 3) and C (Nov 20), both mona's; B started Oct 20.
"""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import transaction

from truce.agreements import scoreboard
from truce.agreements.models import Agreement
from truce.agreements.services import clocks
from truce.errors import DomainError
from truce.funnel.models import Lead, StageVisit
from truce.identity.models import Role

NOW = datetime(2026, 11, 16, 0, 0, tzinfo=UTC)
SLA = [
    {"kind": "mql_volume", "target": 10, "period": "month"},
    {"kind": "acceptance_rate", "target": 80},
    {"kind": "opportunity_rate", "target": 50},
    {"kind": "campaign_count", "target": 2, "period": "month"},
    {"kind": "first_touch", "target": 100, "hours": 4},
    {"kind": "disposition", "target": 90, "hours": 24},
]


def at(day: int, hour: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


@pytest.fixture
def signed_long_ago(make_agreement):
    """The SLA above, in force since 2020 (signing stamps the real time; the month under test
    is earlier than that)."""

    def make(commitments=None):
        agreement = make_agreement(SLA if commitments is None else commitments)
        Agreement.objects.filter(pk=agreement.pk).update(
            in_force_from=at(1, month=1) - timedelta(days=2200)
        )
        return agreement

    return make


@pytest.fixture
def hand_over(make_lead, stage):
    """A lead qualified and assigned at an explicit time, its clocks started."""

    def hand(when, owner=None, campaign=None, **fields):
        lead = make_lead("mql", campaign=campaign, created_at=when, **fields)
        assigned = when if owner is not None else None
        Lead.objects.filter(pk=lead.pk).update(qualified_at=when, assigned_at=assigned, owner=owner)
        if owner is not None:
            clocks.on_owner_changed(lead=lead, owner=owner, at=when)
        return lead

    return hand


@transaction.atomic  # as inside the services that report lead events
def touch(lead, when):
    """A sales touch as the touches service reports it to the clocks."""
    Lead.objects.filter(pk=lead.pk).update(first_sales_touch_at=when)
    clocks.observe(lead=lead, event="touch.sales", at=when)


@transaction.atomic
def dispose(lead, disposition, when):
    """Accept or reject as the disposition service records it, at an explicit time."""
    fields = {"disposition": disposition, "disposition_at": when}
    if disposition == "rejected":
        fields["owner"] = None
    Lead.objects.filter(pk=lead.pk).update(**fields)
    clocks.observe(lead=lead, event=f"lead.{disposition}", at=when)


@pytest.fixture
def people(make_user):
    return {
        "mona": make_user(Role.MARKETER, username="mona", first_name="Mona", last_name="Marks"),
        "max": make_user(Role.MARKETER, username="max", first_name="Max", last_name="Ads"),
        "rita": make_user(Role.SALES_REP, username="rita", first_name="Rita", last_name="Rep"),
        "sam": make_user(Role.SALES_REP, username="sam", first_name="Sam", last_name="Seller"),
    }


@pytest.fixture
def november(signed_long_ago, hand_over, people, make_campaign, stage):
    signed_long_ago()
    mona, mx, rita, sam = people["mona"], people["max"], people["rita"], people["sam"]
    a = make_campaign("A", owner=mona, starts_on=date(2026, 11, 3))
    b = make_campaign("B", owner=mx, starts_on=date(2026, 10, 20))
    make_campaign("C", owner=mona, starts_on=date(2026, 11, 20))

    l6 = hand_over(at(30, 9, month=10), rita, a)
    touch(l6, at(30, 10, month=10))
    clocks.sweep(now=at(1))
    dispose(l6, "accepted", at(1, 10))

    l1 = hand_over(at(2, 9), rita, a)
    touch(l1, at(2, 10))
    dispose(l1, "accepted", at(2, 11))
    StageVisit.objects.create(lead=l1, stage=stage("presenting"), entered_at=at(10, 9))

    l2 = hand_over(at(3, 9), rita, a)
    dispose(l2, "rejected", at(3, 10))

    l3 = hand_over(at(5, 9), sam, b)
    dispose(l3, "accepted", at(5, 10))

    l4 = hand_over(at(6, 9), sam, b)
    l5 = hand_over(at(7, 9))

    clocks.sweep(now=NOW)
    return {"L1": l1, "L2": l2, "L3": l3, "L4": l4, "L5": l5, "L6": l6, **people}


def board_for(key="2026-11", now=NOW):
    return scoreboard.scoreboard(period=scoreboard.parse_period(key), now=now)


def by_kind(board):
    return {s.kind: s for team in board.teams for s in team.commitments}


def split(score):
    return {
        p.name: (p.figure.numerator, p.figure.denominator, p.figure.value) for p in score.people
    }


# Periods


@pytest.mark.parametrize(
    ("text", "key", "start", "end"),
    [
        ("2026-11", "2026-11", at(1), at(1, month=12)),
        ("2026-12", "2026-12", at(1, month=12), datetime(2027, 1, 1, tzinfo=UTC)),
        ("2026-Q4", "2026-Q4", at(1, month=10), datetime(2027, 1, 1, tzinfo=UTC)),
        ("2026-q1", "2026-Q1", datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC)),
        ("2026-W48", "2026-W48", at(23), at(30)),
        (
            "2026-W53",
            "2026-W53",
            datetime(2026, 12, 28, tzinfo=UTC),
            datetime(2027, 1, 4, tzinfo=UTC),
        ),
    ],
)
def test_periods_parse_to_their_bounds(text, key, start, end):
    period = scoreboard.parse_period(text)

    assert (period.key, period.start, period.end) == (key, start, end)


@pytest.mark.parametrize(
    "text",
    ["2026-13", "2026-00", "2026-Q5", "2026-W54", "2025-W53", "nov", "2026/11", "2026-11-01"],
)
def test_a_bad_period_is_refused_with_the_field_and_the_forms_it_takes(text):
    with pytest.raises(DomainError) as refused:
        scoreboard.parse_period(text)

    assert refused.value.code == "invalid_period"
    assert refused.value.field == "period"
    assert "2026-Q4" in refused.value.message


def test_no_period_means_the_current_month():
    assert scoreboard.parse_period("", now=NOW).key == "2026-11"
    assert scoreboard.parse_period(None, now=at(31, 23, month=12)).key == "2026-12"


def test_elapsed_share_and_neighbours():
    period = scoreboard.parse_period("2026-11")

    assert period.elapsed_share(NOW) == Decimal("0.5")
    assert period.elapsed_share(at(1)) == 0
    assert period.elapsed_share(at(5, month=12)) == 1
    assert period.neighbours() == ("2026-10", "2026-12")
    assert scoreboard.parse_period("2026-W01").neighbours() == ("2025-W52", "2026-W02")
    assert scoreboard.parse_period("2026-Q1").neighbours() == ("2025-Q4", "2026-Q2")


# Figures


def test_mql_volume_counts_handovers_in_the_period_by_campaign_owner(november):
    score = by_kind(board_for())["mql_volume"]

    assert score.actual.value == 5  # L1–L5; L6 was handed over in October
    assert score.target == 10
    assert split(score) == {
        "Max Ads": (2, None, 2),
        "Mona Marks": (2, None, 2),
        "": (1, None, 1),
    }


def test_volume_pace_projects_the_count_to_the_end_of_the_period(november):
    half_way = by_kind(board_for(now=NOW))["mql_volume"]
    later = by_kind(board_for(now=at(25)))["mql_volume"]

    assert (half_way.projected, half_way.on_track) == (Decimal("10.0"), True)  # 5 / 0.5
    assert (later.projected, later.on_track) == (Decimal("6.3"), False)  # 5 / (24/30)


def test_acceptance_rate_counts_dispositions_in_the_period(november):
    score = by_kind(board_for())["acceptance_rate"]

    # L1, L3 and L6 (accepted Nov 1) accepted, L2 rejected.
    assert (score.actual.numerator, score.actual.denominator) == (3, 4)
    assert score.actual.value == Decimal("75.0")
    assert score.on_track is False  # target 80 %
    assert split(score) == {
        "Max Ads": (1, 1, Decimal("100.0")),
        "Mona Marks": (2, 3, Decimal("66.7")),
    }
    assert {p.name: p.on_track for p in score.people} == {"Max Ads": True, "Mona Marks": False}


def test_opportunity_rate_is_the_share_of_handovers_reaching_presenting(november):
    score = by_kind(board_for())["opportunity_rate"]

    assert (score.actual.numerator, score.actual.denominator, score.actual.value) == (
        1,
        5,
        Decimal("20.0"),
    )
    assert score.on_track is False
    assert split(score)["Mona Marks"] == (1, 2, Decimal("50.0"))


def test_an_opportunity_before_the_qualification_counted_is_no_hit(november, stage):
    # L4 reached presenting in October, was recycled, and was qualified again on Nov 6.
    StageVisit.objects.create(
        lead=november["L4"], stage=stage("presenting"), entered_at=at(9, 9, 10)
    )
    period = scoreboard.parse_period("2026-11")
    score = by_kind(board_for())["opportunity_rate"]

    assert (score.actual.numerator, score.actual.denominator) == (1, 5)
    assert split(score)["Max Ads"] == (0, 2, Decimal("0.0"))
    hit = scoreboard.leads_behind(commitment=score.commitment, period=period, part="hit")
    assert _ids(hit) == [november["L1"].pk]

    # Reaching presenting again after Nov 6 makes it a hit.
    StageVisit.objects.create(lead=november["L4"], stage=stage("presenting"), entered_at=at(12, 9))
    score = by_kind(board_for())["opportunity_rate"]
    assert split(score)["Max Ads"] == (1, 2, Decimal("50.0"))


def test_rates_honour_product_line_beside_an_unscoped_commitment(
    signed_long_ago, hand_over, people
):
    signed_long_ago(
        [
            {"kind": "acceptance_rate", "target": 50},
            {"kind": "acceptance_rate", "target": 50, "product_line": "cloud"},
        ]
    )
    for day, line, disposition in [
        (2, "cloud", "accepted"),
        (3, "cloud", "rejected"),
        (4, "onprem", "accepted"),
        (5, "onprem", "accepted"),
    ]:
        lead = hand_over(at(day, 9), people["rita"], product_line=line)
        dispose(lead, disposition, at(day, 10))

    every, cloud = board_for().teams[0].commitments

    assert (every.actual.numerator, every.actual.denominator) == (3, 4)
    assert (cloud.actual.numerator, cloud.actual.denominator) == (1, 2)


def test_campaign_count_counts_campaigns_starting_in_the_period(november):
    score = by_kind(board_for())["campaign_count"]

    assert score.actual.value == 2  # A and C; B started in October
    assert (score.projected, score.on_track) == (Decimal("4.0"), True)
    assert split(score) == {"Mona Marks": (2, None, 2)}


def test_first_touch_is_the_share_of_clocks_due_in_the_period_that_were_met(november):
    score = by_kind(board_for())["first_touch"]

    # L1 met; L3 and L4 breached; L2's was cancelled by the rejection; L6's fell due in October.
    assert (score.actual.numerator, score.actual.denominator) == (1, 3)
    assert score.actual.value == Decimal("33.3")
    assert score.on_track is False
    assert split(score) == {
        "Rita Rep": (1, 1, Decimal("100.0")),
        "Sam Seller": (0, 2, Decimal("0.0")),
    }


def test_disposition_per_owner(november):
    score = by_kind(board_for())["disposition"]

    assert (score.actual.numerator, score.actual.denominator, score.actual.value) == (
        3,
        4,
        Decimal("75.0"),
    )
    assert split(score) == {
        "Rita Rep": (2, 2, Decimal("100.0")),
        "Sam Seller": (1, 2, Decimal("50.0")),
    }
    assert {p.name: p.on_track for p in score.people} == {"Rita Rep": True, "Sam Seller": False}


def test_teams_keep_their_own_commitments(november):
    board = board_for()

    assert [(t.team, [s.kind for s in t.commitments]) for t in board.teams] == [
        ("marketing", ["mql_volume", "acceptance_rate", "opportunity_rate", "campaign_count"]),
        ("sales", ["first_touch", "disposition"]),
    ]
    assert board.agreement is not None


def test_an_empty_period_shows_no_data_not_zero_percent(november):
    board = board_for("2026-W46", now=NOW)  # Nov 9–15: nothing handed over or disposed
    scores = by_kind(board)

    assert scores["mql_volume"].actual.value == 0
    assert scores["mql_volume"].target == Decimal("2.3")  # 10 a month, a week's share
    assert (scores["mql_volume"].projected, scores["mql_volume"].on_track) == (0, False)
    for kind in ("acceptance_rate", "opportunity_rate", "first_touch", "disposition"):
        assert scores[kind].actual.value is None, kind
        assert scores[kind].on_track is None, kind
        assert scores[kind].people == [], kind


def test_a_period_not_started_has_no_projection(november):
    scores = by_kind(board_for("2027-01", now=NOW))

    assert scores["mql_volume"].projected is None
    assert scores["mql_volume"].on_track is None


def test_count_targets_scale_to_the_period_shown(november):
    scores = by_kind(board_for("2026-Q4"))

    assert scores["mql_volume"].target == 30
    assert scores["campaign_count"].target == 6
    assert scores["acceptance_rate"].target == 80  # rates do not scale
    assert scores["mql_volume"].actual.value == 6  # L6 in October too


def test_without_an_agreement_there_is_nothing_to_score(db):
    board = board_for()

    assert board.agreement is None
    assert board.teams == []


def test_volume_honours_product_line_and_segment(signed_long_ago, hand_over):
    signed_long_ago(
        [
            {"kind": "mql_volume", "target": 4, "product_line": "cloud"},
            {"kind": "mql_volume", "target": 4, "segment": "enterprise"},
        ]
    )
    hand_over(at(2, 9), product_line="cloud", facts={"segment": "enterprise"})
    hand_over(at(3, 9), product_line="cloud", facts={"segment": "smb"})
    hand_over(at(4, 9), product_line="onprem", facts={"segment": "enterprise"})
    hand_over(at(5, 9), product_line="onprem")

    cloud, enterprise = board_for().teams[0].commitments

    assert cloud.actual.value == 2
    assert enterprise.actual.value == 2


# Lists


def test_the_black_hole_lists_open_leads_overdue_with_sales(november):
    board = board_for()

    assert board.black_hole_count == 2
    rows = [(r.lead.pk, r.owner.username, r.missing, r.overdue) for r in board.black_hole]
    assert rows == [
        (november["L3"].pk, "sam", ["first touch"], timedelta(days=10, hours=11)),
        (november["L4"].pk, "sam", ["first touch", "disposition"], timedelta(days=9, hours=11)),
    ]
    assert scoreboard.describe_overdue(rows[0][3]) == "10 d 11 h"


def test_a_late_touch_takes_a_lead_out_of_the_black_hole(november):
    touch(november["L3"], NOW + timedelta(hours=1))

    board = board_for(now=NOW + timedelta(hours=2))

    assert [r.lead.pk for r in board.black_hole] == [november["L4"].pk]
    # Late is still late: the first-touch figure does not change.
    assert by_kind(board)["first_touch"].actual.numerator == 1


def test_the_breaches_of_the_period(november):
    board = board_for()

    assert board.breach_count == 4
    assert sorted(
        (c.lead_id, c.commitment.kind, c.owner.username) for c in board.breaches
    ) == sorted(
        [
            (november["L6"].pk, "disposition", "rita"),
            (november["L3"].pk, "first_touch", "sam"),
            (november["L4"].pk, "first_touch", "sam"),
            (november["L4"].pk, "disposition", "sam"),
        ]
    )
    assert board_for("2026-10").breach_count == 0


# The leads behind a figure


def _ids(qs):
    return sorted(qs.values_list("pk", flat=True))


def _leads(november, kind, **kwargs):
    period = scoreboard.parse_period("2026-11")
    commitment = next(c for c in Agreement.objects.get().commitments.all() if c.kind == kind)
    return _ids(scoreboard.leads_behind(commitment=commitment, period=period, **kwargs))


def test_each_figure_opens_on_the_leads_it_counts(november):
    n = {k: v.pk for k, v in november.items() if k.startswith("L")}
    mona, sam = november["mona"].pk, november["sam"].pk

    assert _leads(november, "mql_volume") == sorted([n["L1"], n["L2"], n["L3"], n["L4"], n["L5"]])
    assert _leads(november, "mql_volume", owner=str(mona)) == sorted([n["L1"], n["L2"]])
    assert _leads(november, "mql_volume", owner="none") == [n["L5"]]
    assert _leads(november, "acceptance_rate", part="miss") == [n["L2"]]
    assert _leads(november, "opportunity_rate", part="hit") == [n["L1"]]
    assert _leads(november, "first_touch", owner=str(sam)) == sorted([n["L3"], n["L4"]])
    assert _leads(november, "first_touch", part="hit") == [n["L1"]]
    assert _leads(november, "campaign_count") == sorted([n["L1"], n["L2"], n["L6"]])


def test_an_owner_that_is_not_an_id_is_refused(november):
    with pytest.raises(DomainError):
        _leads(november, "mql_volume", owner="rita")


# One plain shape


def test_board_data_and_text(november):
    board = board_for()
    data = scoreboard.board_data(board)

    marketing = data["teams"][0]["commitments"]
    assert marketing[0]["actual"] == {"value": "5", "numerator": 5, "denominator": None}
    assert marketing[0]["projected"] == "10"
    assert marketing[1]["target"] == "80"
    assert marketing[1]["actual"]["value"] == "75"
    assert data["period"]["elapsed_share"] == "0.5"
    assert data["black_hole"]["count"] == 2
    text = scoreboard.text_summary(board)
    assert "Scoreboard for November 2026 (2026-11), 50 % of the period elapsed." in text
    assert "acceptance_rate" in text and "75 %" in text and "3/4" in text


def test_touches_is_judged_as_a_share_of_clocks_met(signed_long_ago, hand_over, rep):
    from truce.touches.services import record_touch

    signed_long_ago([{"kind": "touches", "target": 3, "days": 7}])
    met = hand_over(at(2, 9), rep)
    hand_over(at(3, 9), rep)
    for hour in (10, 11, 12):
        with transaction.atomic():
            record_touch(lead=met, kind="call", actor=rep, occurred_at=at(2, hour))
            clocks.observe(lead=met, event="touch.sales", at=at(2, hour))
    clocks.sweep(now=NOW)

    [score] = board_for().teams[0].commitments

    assert score.target == 100  # the 3 is touches per lead
    assert (score.actual.numerator, score.actual.denominator) == (1, 2)
    assert score.actual.value == Decimal("50.0")
