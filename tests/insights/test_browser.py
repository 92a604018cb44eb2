"""In headless Chromium: from the nav to the funnel report, its chart and its table; grouping
by period swaps in a line chart without a page load."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.fixtures import screenshot
from truce.identity.models import Role

from .conftest import DAY, T0

pytestmark = pytest.mark.browser


@pytest.fixture
def funnel_facts(make_facts):
    make_facts(1, [("subscriber", 0, 1), ("lead", 1, 2), ("mql", 2, 4), ("sal", 4, 5)])
    make_facts(2, [("subscriber", 0, 2), ("lead", 2, 3), ("mql", 3, 4)])
    make_facts(3, [("lead", 0, 3)], created_at=T0 + 40 * DAY)
    make_facts(4, [("subscriber", 0, 1)], outcome="lost")


def test_open_the_funnel_see_chart_and_table_then_group_by_period(
    log_in, live_server, make_user, funnel_facts, tmp_path
):
    make_user(Role.SALES_REP, username="rita")
    page = log_in("rita")
    page.get_by_role("link", name="Reports").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reports")
    page.get_by_role("link", name=re.compile("^Funnel:")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Funnel")
    page.wait_for_function("() => !!Chart.getChart(document.getElementById('report-chart'))")
    lead = page.locator("table.report tbody tr").filter(has_text=re.compile(r"^main\s*Lead"))
    expect(lead.locator("td").nth(2)).to_have_text("3")
    expect(page.get_by_role("link", name="Export CSV")).to_have_attribute("href", "?format=csv")
    screenshot(page, "reports-funnel.png", tmp_path)

    page.get_by_label("Group by").select_option("period")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"by=period"))
    expect(page.locator("table.report thead th").first).to_have_text("Period")
    page.wait_for_function(
        "() => Chart.getChart(document.getElementById('report-chart'))?.config.type === 'line'"
    )
    expect(page.locator("table.report tbody")).to_contain_text("2026-02")


def test_a_bad_date_is_shown_in_the_page(log_in, live_server, make_user, funnel_facts):
    make_user(Role.MARKETER, username="mona")
    page = log_in("mona")
    page.goto(f"{live_server.url}/reports/lost_reasons/?by=team")
    expect(page.get_by_role("alert")).to_contain_text("This report groups by stage")
