"""The scoreboard's surfaces: the page (and its htmx fragment), the API and `truce report`."""

import csv
import io
import json
import subprocess
import sys
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from tests.agreements import test_scoreboard as month
from truce.identity.models import Role

# The hand-computed month of tests/agreements/test_scoreboard.py, and its fixtures.
at = month.at
signed_long_ago, people, hand_over, november = (
    month.signed_long_ago,
    month.people,
    month.hand_over,
    month.november,
)


@pytest.fixture
def viewer(make_user):
    return make_user(Role.SALES_REP, username="viewer")


@pytest.fixture
def signed_in(client, viewer):
    client.force_login(viewer)
    return client


def _page(client, **params):
    return client.get("/scoreboard/", params)


# The page


def test_the_page_shows_every_figure_with_a_link_to_its_leads(signed_in, november):
    response = _page(signed_in, period="2026-11")

    assert response.status_code == 200
    html = response.content.decode()
    assert "November 2026" in html
    assert 'aria-current="page">Scoreboard' in html
    assert ">5</a>" in html  # sales-ready leads
    assert ">75 %</a>" in html and "3 of 4" in html  # acceptance
    assert ">33.3 %</a>" in html and "1 of 3" in html  # first touch
    assert "Mona Marks" in html and "Sam Seller" in html
    assert "by campaign owner:" in html and "by owner:" in html
    assert 'Black hole <span class="count">(2)</span>' in html
    assert 'Breaches in this period <span class="count">(4)</span>' in html
    assert "first touch and disposition" in html  # L4 in the black hole
    assert "truce/vendor/chart.umd.min.js" in html
    assert 'id="chart-marketing-data"' in html


def test_a_figure_link_opens_the_leads_behind_it(signed_in, november):
    first_touch = november["L3"].clocks.get(commitment__kind="first_touch").commitment
    sam = november["sam"].pk

    response = signed_in.get(
        "/scoreboard/leads/",
        {"period": "2026-11", "commitment": first_touch.pk, "owner": sam},
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "2 leads" in html
    assert f"/leads/{november['L3'].pk}/" in html
    assert f"/leads/{november['L4'].pk}/" in html
    assert f"/leads/{november['L1'].pk}/" not in html


def test_the_leads_page_refuses_a_bad_commitment(signed_in, november):
    response = signed_in.get("/scoreboard/leads/", {"period": "2026-11", "commitment": "x"})

    assert response.status_code == 400
    assert "Say which commitment" in response.content.decode()
    assert signed_in.get("/scoreboard/leads/", {"commitment": 999999}).status_code == 404


def test_htmx_gets_only_the_board(signed_in, november):
    response = signed_in.get("/scoreboard/", {"period": "2026-10"}, headers={"HX-Request": "true"})

    html = response.content.decode()
    assert html.startswith('<section id="board"')
    assert "October 2026" in html
    assert "<html" not in html


def test_a_bad_period_on_the_page_says_what_to_write(signed_in, db):
    response = _page(signed_in, period="2026-13")

    assert response.status_code == 422
    assert "&#x27;2026-13&#x27; is not a period" in response.content.decode()


def test_without_an_agreement_the_page_says_so(signed_in):
    response = _page(signed_in, period="2026-11")

    assert response.status_code == 200
    assert "No signed agreement was in force during this period" in response.content.decode()


def test_the_page_needs_a_signed_in_user(client, db):
    response = client.get("/scoreboard/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_the_page_runs_a_fixed_number_of_queries(
    signed_in, november, hand_over, make_campaign, django_assert_num_queries
):
    # session, user, agreement, commitments, three aggregates for the lead-based commitments
    # (MQLs, their opportunities, dispositions) and the campaigns' owners, one over the
    # campaigns, one over the clocks, owner names, black-hole count and rows, breach rows and
    # count
    with django_assert_num_queries(15):
        assert _page(signed_in, period="2026-11").status_code == 200

    more = make_campaign("D", owner=november["max"], starts_on=date(2026, 11, 9))
    for day in range(8, 14):
        hand_over(at(day, 9), november["rita"], more)

    with django_assert_num_queries(15):
        assert _page(signed_in, period="2026-11").status_code == 200


# The API


def test_the_api_serves_the_same_figures(signed_in, november):
    response = signed_in.get("/api/v1/scoreboard", {"period": "2026-11"})

    assert response.status_code == 200
    data = response.json()
    assert data["period"]["key"] == "2026-11"
    assert data["agreement"]["version"] == 1
    scores = {c["kind"]: c for t in data["teams"] for c in t["commitments"]}
    assert scores["mql_volume"]["actual"] == {"value": "5", "numerator": 5, "denominator": None}
    assert scores["acceptance_rate"]["actual"]["value"] == "75"
    assert scores["acceptance_rate"]["on_track"] is False
    assert scores["disposition"]["target"] == "90"
    assert {p["name"]: p["value"] for p in scores["disposition"]["people"]} == {
        "Rita Rep": "100",
        "Sam Seller": "50",
    }
    assert data["black_hole"]["count"] == 2
    assert [i["owner"] for i in data["black_hole"]["items"]] == ["sam", "sam"]
    assert data["breaches"]["count"] == 4


def test_an_empty_rate_is_null_in_the_api(signed_in, november):
    data = signed_in.get("/api/v1/scoreboard", {"period": "2026-W46"}).json()

    scores = {c["kind"]: c for t in data["teams"] for c in t["commitments"]}
    assert scores["acceptance_rate"]["actual"] == {"value": None, "numerator": 0, "denominator": 0}
    assert scores["acceptance_rate"]["on_track"] is None


@pytest.mark.parametrize("period", ["2026-13", "2026-W60", "last month", "x" * 300])
def test_the_api_refuses_a_bad_period(signed_in, period):
    response = signed_in.get("/api/v1/scoreboard", {"period": period})

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_period"
    assert body["field"] == "period"
    assert "2026-W48" in body["message"]


def test_the_api_needs_a_user(client, db):
    assert client.get("/api/v1/scoreboard").status_code == 401


# The CLI


def _report(*args):
    out = io.StringIO()
    call_command("report", "scoreboard", *args, stdout=out)
    return out.getvalue()


def test_report_as_a_table(november):
    text = _report("--period", "2026-11")

    assert "Scoreboard for November 2026 (2026-11)" in text
    lines = text.splitlines()
    header = next(line for line in lines if line.startswith("team"))
    assert header.split() == [
        "team",
        "commitment",
        "person",
        "target",
        "actual",
        "of",
        "projected",
        "pace",
    ]
    acceptance = next(line for line in lines if "acceptance_rate" in line)
    assert acceptance.split() == [
        "marketing",
        "acceptance_rate",
        "80",
        "%",
        "75",
        "%",
        "3/4",
        "behind",
    ]
    assert "Black hole: 2 lead(s) overdue with sales." in text
    assert "Breaches in the period: 4." in text


def test_report_as_csv(november):
    rows = list(csv.DictReader(io.StringIO(_report("--period", "2026-11", "--format", "csv"))))

    team_rows = [r for r in rows if not r["person"]]
    assert [r["commitment"] for r in team_rows] == [
        "mql_volume",
        "acceptance_rate",
        "opportunity_rate",
        "campaign_count",
        "first_touch",
        "disposition",
    ]
    first_touch = next(r for r in team_rows if r["commitment"] == "first_touch")
    assert (first_touch["actual"], first_touch["numerator"], first_touch["denominator"]) == (
        "33.3",
        "1",
        "3",
    )
    assert {r["period"] for r in rows} == {"2026-11"}
    sam = next(r for r in rows if r["commitment"] == "first_touch" and r["person"] == "Sam Seller")
    assert (sam["actual"], sam["on_track"]) == ("0", "False")


def test_report_as_json(november):
    data = json.loads(_report("--period", "2026-11", "--format", "json"))

    scores = {c["kind"]: c for t in data["teams"] for c in t["commitments"]}
    assert scores["campaign_count"]["actual"]["value"] == "2"
    assert data["black_hole"]["count"] == 2


def test_report_refuses_a_bad_period_with_exit_code_2(db):
    with pytest.raises(CommandError) as refused:
        _report("--period", "2026-Q7")

    assert refused.value.returncode == 2
    assert "'2026-Q7' is not a period" in str(refused.value)


def test_the_truce_command_exits_2_on_a_bad_period():
    result = subprocess.run(
        [sys.executable, "-m", "truce.cli", "report", "scoreboard", "--period", "soon"],
        capture_output=True,
        text=True,
        env={"DJANGO_SETTINGS_MODULE": "tests.settings", "PATH": "/usr/bin:/bin"},
        timeout=60,
        check=False,
    )

    assert result.returncode == 2
    assert "'soon' is not a period" in result.stderr
