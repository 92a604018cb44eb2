"""Lost reasons, rejections and recycled leads on hand-built facts; figures computed by hand."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from truce.funnel.models import Reason
from truce.insights.errors import InvalidReportQuery
from truce.insights.reports.base import Query
from truce.insights.reports.runner import run_report

from .conftest import DAY, T0

D = Decimal


@pytest.fixture
def reason(db):
    def get(kind, key):
        return Reason.objects.get(kind=kind, key=key).pk

    return get


@pytest.fixture
def closed_leads(make_facts, reason, stage_id):
    """Lost: 1, 2 price in connecting (web); 3 competitor in presenting (event); 4 no reason
    in connecting (web, March). Rejected: 5 not_icp (web), 6 not_icp and 7 bad_data (event).
    8 is open: counted nowhere."""
    lost = {"outcome": "lost", "outcome_at": T0 + DAY}
    connecting, presenting = stage_id("connecting"), stage_id("presenting")
    price, competitor = reason("lost", "price"), reason("lost", "competitor")
    make_facts(1, source="web", outcome_reason_id=price, outcome_stage_id=connecting, **lost)
    make_facts(2, source="web", outcome_reason_id=price, outcome_stage_id=connecting, **lost)
    make_facts(3, source="event", outcome_reason_id=competitor, outcome_stage_id=presenting, **lost)
    march = datetime(2026, 3, 2, tzinfo=UTC)
    make_facts(4, source="web", outcome="lost", outcome_at=march, outcome_stage_id=connecting)
    rejected = {"disposition": "rejected", "disposition_at": T0 + DAY}
    not_icp, bad_data = reason("rejected", "not_icp"), reason("rejected", "bad_data")
    make_facts(5, source="web", disposition_reason_id=not_icp, **rejected)
    make_facts(6, source="event", disposition_reason_id=not_icp, **rejected)
    make_facts(7, source="event", disposition_reason_id=bad_data, **rejected)
    make_facts(8, source="web")


def figures(table, *keys):
    return [tuple(r[k] for k in keys) for r in table.rows]


def test_lost_reasons_overall(closed_leads):
    table = run_report("lost_reasons", Query())
    assert figures(table, "reason", "leads", "share") == [
        ("Price too high", 2, D("50.0")),
        ("(no reason)", 1, D("25.0")),
        ("Chose a competitor", 1, D("25.0")),
    ]


def test_lost_reasons_by_stage_where_the_lead_closed(closed_leads):
    table = run_report("lost_reasons", Query(by="stage"))
    assert figures(table, "group", "reason", "leads", "share") == [
        ("Connecting", "Price too high", 2, D("66.7")),
        ("Connecting", "(no reason)", 1, D("33.3")),
        ("Presenting", "Chose a competitor", 1, D("100.0")),
    ]


def test_lost_reasons_window_is_on_the_outcome(closed_leads):
    january = Query(start=datetime(2026, 1, 1, tzinfo=UTC), end=datetime(2026, 2, 1, tzinfo=UTC))
    table = run_report("lost_reasons", Query(by="source", start=january.start, end=january.end))
    assert figures(table, "group", "reason", "leads") == [
        ("event", "Chose a competitor", 1),
        ("web", "Price too high", 2),
    ]


def test_rejections_by_source(closed_leads):
    table = run_report("rejections", Query(by="source"))
    assert figures(table, "group", "reason", "leads", "share") == [
        ("event", "Bad contact data", 1, D("50.0")),
        ("event", "Not our ideal customer profile", 1, D("50.0")),
        ("web", "Not our ideal customer profile", 1, D("100.0")),
    ]


def test_rejections_by_campaign_name(closed_leads, make_campaign):
    from truce.insights.models import LeadFacts

    campaign = make_campaign("Spring webinar")
    LeadFacts.objects.filter(lead_id__in=[5, 6]).update(campaign_id=campaign.pk)
    table = run_report("rejections", Query(by="campaign"))
    assert figures(table, "group", "reason", "leads") == [
        ("(none)", "Bad contact data", 1),
        ("Spring webinar", "Not our ideal customer profile", 2),
    ]


def test_lost_reasons_refuse_a_grouping_they_do_not_have(closed_leads):
    with pytest.raises(InvalidReportQuery) as refused:
        run_report("lost_reasons", Query(by="team"))
    assert (refused.value.field, refused.value.code) == ("by", "invalid_query")


@pytest.fixture
def recycled_leads(make_facts):
    """Recycled on day 2: 1 came back to MQL on day 5 and was won; 2 is recycled still; 3
    came back to MQL on day 1 only (before the recycling: not back) and is open; 4 recycled
    twice, back to MQL twice after, lost. 5 never recycled."""
    again = {"recycled_at": T0 + 2 * DAY}
    make_facts(1, [("mql", 0, 1), ("mql", 5, 6)], recycled_count=1, outcome="won", **again)
    make_facts(2, [("mql", 0, 2)], recycled_count=1, outcome="recycled", **again)
    make_facts(3, [("mql", 1, 2)], recycled_count=1, **again)
    stays = [("mql", 0, 1), ("mql", 3, 4), ("mql", 5, 6)]
    make_facts(4, stays, recycled_count=2, outcome="lost", **again)
    make_facts(5, [("mql", 0, 1)], outcome="won")


def test_recycled_leads_and_what_became_of_them(recycled_leads):
    table = run_report("recycled", Query())
    assert figures(table, "outcome", "leads", "share", "requalified") == [
        ("lost", 1, D("25.0"), 1),
        ("open", 1, D("25.0"), 0),
        ("recycled", 1, D("25.0"), 0),
        ("won", 1, D("25.0"), 1),
    ]


def test_recycled_window_is_on_the_last_recycling(recycled_leads):
    later = Query(start=T0 + 3 * DAY)
    assert run_report("recycled", later).rows == []


def test_a_reopened_lead_is_no_longer_lost(make_facts, reason):
    """Lost, then reopened: the facts say open again, so it leaves the lost reasons (the
    outcome it has now is what counts), while a second lead lost twice counts once."""
    price = reason("lost", "price")
    make_facts(1, outcome="open", reopened_count=1)
    make_facts(2, outcome="lost", outcome_reason_id=price, outcome_at=T0, reopened_count=1)
    table = run_report("lost_reasons", Query())
    assert figures(table, "reason", "leads", "share") == [("Price too high", 1, D("100.0"))]
