"""A report asked `as_of` reads the facts the runner opens for that moment, not the live ones:
here a stand-in for facts_as_of yields tables this test builds and drops them on exit."""

from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from django.db import connection

from truce.insights.facts.source import FactsSource
from truce.insights.reports import runner
from truce.insights.reports.base import Query
from truce.insights.reports.runner import run_report

PAST = datetime(2026, 1, 20, tzinfo=UTC)


@pytest.fixture
def past_facts(monkeypatch, make_facts, stage_id):
    """Live: two leads reached MQL. As of PAST (the stand-in): only the first had."""
    make_facts(1, [("lead", 0, 1), ("mql", 1, None)])
    make_facts(2, [("lead", 0, 2), ("mql", 2, None)])
    opened = []

    @contextmanager
    def facts_as_of(moment):
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE past_leads AS SELECT * FROM insights_leadfacts")
            cursor.execute("CREATE TABLE past_stages AS SELECT * FROM insights_stagefacts")
            cursor.execute("DELETE FROM past_stages WHERE lead_id = 2 AND exited_at IS NULL")
            cursor.execute(
                "UPDATE past_stages SET exited_at = NULL, seconds = NULL WHERE lead_id = 2"
            )
            cursor.execute(
                "UPDATE past_leads SET stages_reached = %s WHERE lead_id = 2",
                [2 ** (stage_id("lead") - 1)],
            )
        opened.append(moment)
        try:
            yield FactsSource("past_leads", "past_stages", "insights_touchfacts", as_of=moment)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("DROP TABLE past_leads")
                cursor.execute("DROP TABLE past_stages")

    monkeypatch.setattr(runner, "facts_as_of", facts_as_of)
    return opened


def reached(table, stage):
    return next(r["reached"] for r in table.rows if r["stage"] == stage)


def test_as_of_reads_the_facts_opened_for_that_moment(past_facts):
    assert reached(run_report("funnel", Query()), "Marketing qualified (MQL)") == 2
    past = run_report("funnel", Query(as_of=PAST))
    assert past_facts == [PAST]
    assert reached(past, "Marketing qualified (MQL)") == 1
    assert reached(past, "Lead") == 2
    with connection.cursor() as cursor:  # dropped on the way out
        assert "past_leads" not in connection.introspection.table_names(cursor)


def test_live_reports_open_nothing(past_facts):
    run_report("lost_reasons", Query())
    assert past_facts == []
