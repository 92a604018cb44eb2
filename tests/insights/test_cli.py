"""`truce report`: every report on the terminal as a table, CSV or JSON; bad input exits 2."""

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from truce.insights.models import LeadFacts

from .conftest import DAY, T0


def report(*args):
    out = io.StringIO()
    call_command("report", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def two_leads(make_facts):
    make_facts(1, [("lead", 0, 1), ("mql", 1, 3)], source="web")
    make_facts(2, [("lead", 0, 2)], source='=HYPERLINK("http://x")')


def test_list_names_every_report(db):
    names = [line.split()[0] for line in report("--list").splitlines()]
    assert {"scoreboard", "funnel", "lost_reasons", "rejections", "recycled", "feedback"} <= set(
        names
    )
    assert "quality" in names


def test_funnel_as_a_table(two_leads):
    text = report("funnel")
    assert text.startswith("Funnel\n")
    lead = next(line for line in text.splitlines() if line.startswith("main  Lead "))
    # reached 2; in order 0, no rates (nobody was a subscriber); any order 2, 100 %, 100 %;
    # 2 stays of 1 and 2 days: median 1 d, p90 2 d
    assert lead.split()[:9] == ["main", "Lead", "2", "0", "—", "—", "2", "100.0", "%"]
    assert lead.split()[9:] == ["100.0", "%", "2", "1", "d", "0", "h", "2", "d", "0", "h"]


def test_funnel_as_csv_by_source_neutralises_formulas(two_leads):
    rows = list(csv.DictReader(io.StringIO(report("funnel", "--by", "source", "--format", "csv"))))
    assert {r["group"] for r in rows} == {"web", '\'=HYPERLINK("http://x")'}
    web_mql = next(r for r in rows if r["group"] == "web" and r["stage"].startswith("Marketing"))
    assert (web_mql["reached"], web_mql["any_cumulative"], web_mql["median_seconds"]) == (
        "1",
        "100.0",
        str(2 * 86400),
    )


def test_funnel_as_json_with_a_window(two_leads, make_facts):
    make_facts(3, [("lead", 0, 1)], created_at=T0 + 40 * DAY)
    data = json.loads(
        report("funnel", "--from", "2026-01-01", "--to", "2026-01-31", "--format", "json")
    )
    lead = next(r for r in data["rows"] if r["stage"] == "Lead")
    assert lead["reached"] == 2
    assert [c["key"] for c in data["columns"]][:3] == ["path", "stage", "reached"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nonsense"], "There is no report called 'nonsense'."),
        (["funnel", "--by", "colour"], "This report groups by period, source"),
        (["funnel", "--from", "yesterday"], "'yesterday' is not a date"),
        (["funnel", "--from", "2026-02-01", "--to", "2026-01-01"], "The start must be before"),
        (["funnel", "--as-of", "2999-01-01"], "As of must not be in the future."),
        (["quality", "--as-of", "2026-01-01"], "no as-of view"),
    ],
)
def test_bad_input_exits_2_and_says_why(db, args, message):
    with pytest.raises(CommandError) as refused:
        report(*args)
    assert refused.value.returncode == 2
    assert message in str(refused.value)
    assert LeadFacts.objects.count() == 0
