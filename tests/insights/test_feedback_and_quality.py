"""Feedback, the black hole and lead quality against the scoreboard's own `november` month
(see tests/agreements/test_scoreboard.py for what it holds): the reports and the scoreboard
must give the same numbers."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from tests.agreements.test_scoreboard import at, board_for, by_kind
from tests.insights.given import given_facts
from truce.funnel.models import Lead
from truce.insights.errors import InvalidReportQuery
from truce.insights.facts.source import LIVE
from truce.insights.reports.base import Query
from truce.insights.reports.outcomes import feedback
from truce.insights.reports.runner import run_report

D = Decimal
NOVEMBER = Query(start=at(1), end=at(1, month=12))


@pytest.fixture
def facts(november):
    """Facts mirroring the month's leads (what the facts projection would hold), and L1 won."""
    for lead in Lead.objects.all():
        given_facts(
            lead_id=lead.pk,
            created_at=lead.created_at,
            cohort=lead.created_at.strftime("%Y-%m"),
            campaign_id=lead.campaign_id,
            owner_id=lead.owner_id,
            qualified_at=lead.qualified_at,
            disposition=lead.disposition,
            disposition_at=lead.disposition_at,
            outcome="won" if lead.pk == november["L1"].pk else lead.outcome,
        )
    return november


def test_feedback_shares_and_the_black_hole_in_november(facts):
    # handed over in November: L1..L5; disposed L1, L2, L3; closed L1; black hole L3, L4
    [row] = run_report("feedback", NOVEMBER).rows
    assert row == {
        "handed_over": 5,
        "with_disposition": 3,
        "disposition_share": D("60.0"),
        "with_outcome": 1,
        "outcome_share": D("20.0"),
        "black_hole": 2,
        "black_hole_rate": D("40.0"),
    }


def test_the_black_hole_is_the_scoreboards(facts):
    [row] = run_report("feedback", Query()).rows  # every handed-over lead, L6 too
    assert (row["handed_over"], row["with_disposition"]) == (6, 4)
    assert row["black_hole"] == board_for().black_hole_count == 2


def test_feedback_by_campaign(facts):
    rows = run_report("feedback", Query(by="campaign")).rows
    got = [(r["group"], r["handed_over"], r["with_disposition"], r["black_hole"]) for r in rows]
    assert got == [("(none)", 1, 0, 0), ("A", 3, 3, 0), ("B", 2, 1, 2)]


def test_black_hole_as_of_a_past_moment_is_the_clocks_as_they_stood(facts):
    # Nov 1 00:00 the sweep breached L6's disposition clock; L6 was accepted at 10:00.
    early = replace(LIVE, as_of=at(1, 5))
    [row] = feedback(Query(), early).rows
    assert row["black_hole"] == 1
    later = replace(LIVE, as_of=at(1, 12))
    assert feedback(Query(), later).rows[0]["black_hole"] == 0


def test_no_handover_is_no_data_not_zero_percent(db):
    [row] = run_report("feedback", Query()).rows
    assert (row["handed_over"], row["disposition_share"], row["black_hole_rate"]) == (0, None, None)


def quality_rows(query):
    return {r["commitment"]: r for r in run_report("quality", query).rows}


def test_quality_gives_the_scoreboards_numbers(november):
    rows = quality_rows(Query(options={"period": "2026-11"}))
    board = by_kind(board_for())
    for kind in ("mql_volume", "acceptance_rate", "opportunity_rate"):
        score = board[kind]
        row = rows[score.commitment.get_kind_display()]
        figures = (row["numerator"], row["denominator"], row["value"], row["target"])
        assert figures == (
            score.actual.numerator,
            score.actual.denominator,
            score.actual.value,
            score.target,
        )


def test_quality_figures_by_hand(november):
    rows = quality_rows(Query(start=at(1), end=at(1, month=12)))
    # MQLs in November: L1..L5; dispositions in November: L6, L1, L3 accepted, L2 rejected;
    # reached presenting after qualifying: L1
    got = {k: (r["period"], r["numerator"], r["denominator"], r["value"]) for k, r in rows.items()}
    assert got == {
        "Sales-ready leads per period": ("2026-11", 5, None, D(5)),
        "Share of handed-over leads accepted by sales": ("2026-11", 3, 4, D("75.0")),
        "Share of handed-over leads reaching an opportunity": ("2026-11", 1, 5, D("20.0")),
    }


def test_quality_by_campaign_owner(november):
    rows = run_report("quality", Query(by="owner", options={"period": "2026-11"})).rows
    volume = [(r["group"], r["numerator"]) for r in rows if r["commitment"].startswith("Sales")]
    assert volume == [("(none)", 1), ("Max Ads", 2), ("Mona Marks", 2)]


def test_quality_has_no_as_of_view(november):
    with pytest.raises(InvalidReportQuery) as refused:
        run_report("quality", Query(as_of=datetime(2026, 11, 1, tzinfo=UTC)))
    assert refused.value.field == "as_of"


def test_quality_months_of_a_window(november):
    rows = run_report("quality", Query(start=at(1, month=10), end=at(1, month=12))).rows
    assert sorted({r["period"] for r in rows}) == ["2026-10", "2026-11"]
    too_long = Query(start=at(1, month=1) - timedelta(days=4000), end=at(1))
    with pytest.raises(InvalidReportQuery):
        run_report("quality", too_long)
