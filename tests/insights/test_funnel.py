"""The funnel report on hand-built facts: every figure computed by hand below."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from truce.funnel.models import Stage
from truce.insights.errors import InvalidReportQuery
from truce.insights.facts.reducer import MASKED_STAGES
from truce.insights.reports.base import Query
from truce.insights.reports.runner import run_report

from .conftest import DAY

D = Decimal
HOUR = 3600
DAYS = 86400


@pytest.fixture
def six_leads(make_facts):
    """Ranks: subscriber 1, lead 2, mql 3, sal 4, prospecting 5, …
    L1 {1,2,3} recycled once; L2 {2,3,4} skipped the first stage; L3 {1,2} lost;
    L4 {1,3,2} (went back to lead); L5 no stays, disqualified; L6 {1,2} re-entered both."""
    make_facts(1, [("subscriber", 0, 1), ("lead", 1, 3), ("mql", 3, 4)], recycled_count=1)
    make_facts(2, [("lead", 0, 2), ("mql", 2, 5), ("sal", 5, None)], source="event")
    make_facts(3, [("subscriber", 0, 2), ("lead", 2, None)], outcome="lost")
    make_facts(4, [("subscriber", 0, 1), ("mql", 1, 2), ("lead", 2, 6)])
    make_facts(5, [], outcome="disqualified", source="event")
    make_facts(6, [("subscriber", 0, 3), ("lead", 3, 4), ("subscriber", 4, 5), ("lead", 5, None)])


def by_stage(table, path="main", group=None):
    return {
        r["stage"]: r
        for r in table.rows
        if r["path"] == path and (group is None or r["group"] == group)
    }


def test_counts_and_conversions_strict_and_any_order(six_leads):
    rows = by_stage(run_report("funnel", Query()))
    expected = {
        # stage: reached, strict, strict step, strict cumulative, any, any step, any cumulative
        "Subscriber": (4, 4, None, D("100.0"), 5, None, D("100.0")),
        "Lead": (5, 4, D("100.0"), D("100.0"), 5, D("100.0"), D("100.0")),
        "Marketing qualified (MQL)": (3, 2, D("50.0"), D("50.0"), 3, D("60.0"), D("60.0")),
        "Sales accepted (SAL)": (1, 0, D("0.0"), D("0.0"), 1, D("33.3"), D("20.0")),
        "Prospecting": (0, 0, None, D("0.0"), 0, D("0.0"), D("0.0")),
        "Connecting": (0, 0, None, D("0.0"), 0, None, D("0.0")),
    }
    keys = ["reached", "strict", "strict_step", "strict_cumulative"]
    keys += ["any_order", "any_step", "any_cumulative"]
    for stage, figures in expected.items():
        assert tuple(rows[stage][k] for k in keys) == figures, stage
    assert list(rows)[:3] == ["Subscriber", "Lead", "Marketing qualified (MQL)"]


def test_velocity_is_nearest_rank_over_completed_stays(six_leads):
    rows = by_stage(run_report("funnel", Query()))
    # subscriber stays, days: L1 1, L3 2, L4 1, L6 3 and 1 -> [1,1,1,2,3]: ranks 3 and 5
    assert (rows["Subscriber"]["stays"], rows["Subscriber"]["median_seconds"]) == (5, DAYS)
    assert rows["Subscriber"]["p90_seconds"] == 3 * DAYS
    # lead: L1 2, L2 2, L4 4, L6 1 (L3 and L6's second stay are open) -> [1,2,2,4]: ranks 2, 4
    lead = rows["Lead"]
    assert (lead["stays"], lead["median_seconds"], lead["p90_seconds"]) == (4, 2 * DAYS, 4 * DAYS)
    # mql: L1 1, L2 3, L4 1 -> [1,1,3]: ranks 2 and 3
    mql = rows["Marketing qualified (MQL)"]
    assert (mql["stays"], mql["median_seconds"], mql["p90_seconds"]) == (3, DAYS, 3 * DAYS)
    sal = rows["Sales accepted (SAL)"]
    assert (sal["stays"], sal["median_seconds"], sal["p90_seconds"]) == (0, None, None)


def test_stays_shorter_than_a_day_count_in_seconds(make_facts):
    make_facts(1, [("lead", 0, 1.5 / 24)])
    make_facts(2, [("lead", 0, 0.5 / 24)])
    lead = by_stage(run_report("funnel", Query()))["Lead"]
    assert (lead["median_seconds"], lead["p90_seconds"]) == (HOUR // 2, 90 * 60)


def test_side_outcomes_are_listed_apart(six_leads):
    side = by_stage(run_report("funnel", Query()), path="side")
    assert {k: r["reached"] for k, r in side.items()} == {
        "Lost": 1,
        "Disqualified": 1,
        "Recycled (ever)": 1,
    }


def test_a_lead_recycled_now_counts_once_as_recycled(six_leads, make_facts):
    make_facts(7, [("subscriber", 0, 1)], outcome="recycled", recycled_count=2)
    side = by_stage(run_report("funnel", Query()), path="side")
    assert {k: r["reached"] for k, r in side.items()} == {
        "Lost": 1,
        "Disqualified": 1,
        "Recycled (ever)": 2,  # L1 and L7
    }


def test_grouped_by_source(six_leads):
    table = run_report("funnel", Query(by="source"))
    assert table.columns[0].key == "group"
    assert {r["group"] for r in table.rows} == {"(none)", "event"}
    event = by_stage(table, group="event")
    assert (event["Lead"]["reached"], event["Lead"]["strict"], event["Lead"]["any_order"]) == (
        1,
        0,
        1,
    )
    assert by_stage(table, "side", "event")["Disqualified"]["reached"] == 1
    none = by_stage(table, group="(none)")
    assert (none["Subscriber"]["reached"], none["Lead"]["any_order"]) == (4, 4)


def test_window_is_on_lead_creation(six_leads, make_facts):
    make_facts(7, [("subscriber", 0, 1)], created_at=datetime(2026, 3, 1, tzinfo=UTC))
    everything = by_stage(run_report("funnel", Query()))
    january = Query(start=datetime(2026, 1, 1, tzinfo=UTC), end=datetime(2026, 2, 1, tzinfo=UTC))
    assert everything["Subscriber"]["reached"] == 5
    assert by_stage(run_report("funnel", january))["Subscriber"]["reached"] == 4
    march = Query(start=datetime(2026, 3, 1, tzinfo=UTC))
    assert by_stage(run_report("funnel", march))["Subscriber"]["reached"] == 1


def test_by_period_is_the_creation_month(six_leads, make_facts):
    make_facts(7, [("subscriber", 0, 1)], created_at=datetime(2026, 3, 1, tzinfo=UTC) + DAY)
    table = run_report("funnel", Query(by="period"))
    assert sorted({r["group"] for r in table.rows}) == ["2026-01", "2026-03"]
    assert by_stage(table, group="2026-03")["Subscriber"]["reached"] == 1
    assert table.chart["type"] == "line"


def test_no_leads_still_lists_the_stages(db):
    rows = by_stage(run_report("funnel", Query()))
    assert rows["Lead"]["reached"] == 0
    assert rows["Lead"]["strict_cumulative"] is None


def test_unknown_by_is_refused(db):
    with pytest.raises(InvalidReportQuery) as refused:
        run_report("funnel", Query(by="colour"))
    assert refused.value.field == "by"


def test_a_window_around_every_lead_gives_the_unwindowed_figures(six_leads, make_facts):
    make_facts(7, [("subscriber", 0, 10)], created_at=datetime(2026, 3, 1, tzinfo=UTC))
    everything = run_report("funnel", Query()).rows
    around = Query(start=datetime(2025, 12, 1, tzinfo=UTC), end=datetime(2026, 4, 1, tzinfo=UTC))
    assert run_report("funnel", around).rows == everything
    grouped = Query(by="source", start=around.start, end=around.end)
    assert run_report("funnel", grouped).rows == run_report("funnel", Query(by="source")).rows
    # subscriber stays, days: [1,1,1,2,3] and L7's 10: ranks 3 and 6
    subscriber = by_stage(run_report("funnel", around))["Subscriber"]
    assert (subscriber["stays"], subscriber["median_seconds"]) == (6, DAYS)
    assert subscriber["p90_seconds"] == 10 * DAYS


def test_velocity_in_a_window_that_leaves_leads_out(six_leads, make_facts):
    make_facts(
        7, [("subscriber", 0, 10), ("lead", 10, 11)], created_at=datetime(2026, 3, 1, tzinfo=UTC)
    )
    make_facts(8, [("subscriber", 0, 20)], created_at=datetime(2026, 3, 2, tzinfo=UTC))
    march = by_stage(run_report("funnel", Query(start=datetime(2026, 3, 1, tzinfo=UTC))))
    # subscriber: [10, 20]: ranks 1 and 2; lead: [1]
    subscriber = march["Subscriber"]
    assert (subscriber["stays"], subscriber["median_seconds"], subscriber["p90_seconds"]) == (
        2,
        10 * DAYS,
        20 * DAYS,
    )
    assert (march["Lead"]["stays"], march["Lead"]["median_seconds"]) == (1, DAYS)
    january = Query(start=datetime(2026, 1, 1, tzinfo=UTC), end=datetime(2026, 3, 1, tzinfo=UTC))
    early = by_stage(run_report("funnel", january))["Subscriber"]
    assert (early["stays"], early["median_seconds"], early["p90_seconds"]) == (5, DAYS, 3 * DAYS)


def test_percentiles_of_many_stays_from_either_end(make_facts):
    """Ten stays of 1..10 hours: the median is rank 5 (walked from the short end), the 90th
    percentile rank 9 (walked from the long end)."""
    for lead_id, hours in enumerate([7, 3, 10, 1, 9, 4, 2, 8, 6, 5], 1):
        make_facts(lead_id, [("lead", 0, hours / 24)])
    lead = by_stage(run_report("funnel", Query()))["Lead"]
    assert (lead["stays"], lead["median_seconds"], lead["p90_seconds"]) == (10, 5 * HOUR, 9 * HOUR)


def test_stage_ids_beyond_the_mask_are_counted_from_the_stays(six_leads, make_facts):
    """A stage whose id has no bit in stages_reached: the funnel counts from the stays and
    gives the same figures for the other stages."""
    before = run_report("funnel", Query()).rows
    Stage.objects.create(
        pk=MASKED_STAGES + 7, key="late", name="Late", team="sales", position=10_000,
        definition="Added after many stages were made and removed.",
    )  # fmt: skip
    make_facts(7, [("subscriber", 0, 1), ("late", 1, None)])
    rows = by_stage(run_report("funnel", Query()))
    assert rows["Late"]["reached"] == 1
    assert rows["Subscriber"]["reached"] == 5
    assert rows["Late"]["strict"] == 0  # lead, mql, … were not reached
    unchanged = [r for r in before if r["stage"] not in ("Subscriber",) and r["path"] == "main"]
    after = {r["stage"]: r for r in run_report("funnel", Query()).rows if r["path"] == "main"}
    for row in unchanged:
        assert after[row["stage"]]["reached"] == row["reached"], row["stage"]
        assert after[row["stage"]]["strict"] == row["strict"], row["stage"]
