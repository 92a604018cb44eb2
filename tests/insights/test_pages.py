"""The report pages: index, one page per report with form, chart data and table, CSV export."""

import csv
import io

import pytest

from truce.identity.models import Role


@pytest.fixture
def signed_in(client, make_user):
    client.force_login(make_user(Role.SALES_REP))
    return client


@pytest.fixture
def two_leads(make_facts):
    make_facts(1, [("lead", 0, 1), ("mql", 1, 3)], source="web")
    make_facts(2, [("lead", 0, 2)], source="+cmd")


def test_index_lists_the_reports_and_the_nav_links_it(signed_in, django_assert_num_queries):
    with django_assert_num_queries(2):  # session, user
        response = signed_in.get("/reports/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'href="/reports/funnel/"' in html
    assert 'href="/reports/lost_reasons/"' in html
    assert '<a href="/reports/" aria-current="page">Reports</a>' in html


def test_the_funnel_page_has_chart_data_and_the_table(
    signed_in, two_leads, django_assert_num_queries
):
    # session, user, stages, leads per set of stages reached and outcome, velocity (stays
    # per stage, then their percentiles)
    with django_assert_num_queries(6):
        response = signed_in.get("/reports/funnel/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<canvas id="report-chart"' in html
    assert "<caption>Funnel</caption>" in html
    assert '<td class="num">1 d 0 h</td>' in html
    lead = next(r for r in response.context["data"]["rows"] if r["stage"] == "Lead")
    assert lead["reached"] == 2
    assert 'href="?format=csv"' in html


def test_grouped_page_names_campaigns_in_one_query(
    signed_in, make_facts, make_campaign, django_assert_num_queries
):
    spring, autumn = make_campaign("Spring"), make_campaign("Autumn")
    for lead_id, campaign in enumerate([spring, autumn, spring], 1):
        make_facts(lead_id, [("lead", 0, 1)], campaign_id=campaign.pk)
    with django_assert_num_queries(6):  # … and one for the campaigns' names
        response = signed_in.get("/reports/funnel/", {"by": "campaign"})
    groups = [r["group"] for r in response.context["table"].rows if r["stage"] == "Lead"]
    assert groups == ["Autumn", "Spring"]


def test_htmx_gets_only_the_result(signed_in, two_leads):
    response = signed_in.get("/reports/funnel/", {"by": "source"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.startswith('<section id="report-result"')
    assert "<form" not in html


def test_csv_export_from_the_page_neutralises_formulas(signed_in, two_leads):
    response = signed_in.get("/reports/funnel/", {"by": "source", "format": "csv"})
    assert response["Content-Disposition"] == 'attachment; filename="funnel.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert {r["group"] for r in rows} == {"web", "'+cmd"}


@pytest.mark.parametrize(
    ("url", "params", "status", "message"),
    [
        ("/reports/funnel/", {"by": "colour"}, 400, "This report groups by"),
        ("/reports/funnel/", {"from": "2026-02-30"}, 400, "is not a date"),
        ("/reports/nonsense/", {}, 404, "There is no report called"),
    ],
)
def test_bad_input_shows_why_with_its_status(signed_in, url, params, status, message):
    response = signed_in.get(url, params)
    assert response.status_code == status
    assert message in response.content.decode()
    assert 'role="alert"' in response.content.decode()


def test_reports_need_a_sign_in(client, db):
    response = client.get("/reports/funnel/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
