import re

import pytest
from playwright.sync_api import expect

from tests.agreements import test_scoreboard as month
from tests.browser.fixtures import screenshot

pytestmark = pytest.mark.browser

# The hand-computed month of tests/agreements/test_scoreboard.py.
signed_long_ago, people, hand_over, november = (
    month.signed_long_ago,
    month.people,
    month.hand_over,
    month.november,
)


def _row(page, label):
    return page.locator("#board tr.commitment").filter(
        has=page.get_by_role("rowheader", name=label)
    )


def test_open_the_scoreboard_switch_period_and_follow_a_figure(
    log_in, live_server, november, tmp_path
):
    page = log_in("rita")
    page.get_by_role("link", name="Scoreboard").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Scoreboard")

    page.get_by_label("Period", exact=True).fill("2026-11")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#period-label")).to_have_text("November 2026")
    expect(page).to_have_url(re.compile(r"period=2026-11"))
    acceptance = _row(page, "Share of handed-over leads accepted by sales")
    expect(acceptance.locator("a.figure")).to_have_text("75 %")
    expect(acceptance).to_contain_text("Behind")
    expect(page.get_by_role("heading", name=re.compile("Black hole"))).to_contain_text("(2)")
    page.wait_for_function("() => !!Chart.getChart(document.getElementById('chart-sales'))")
    screenshot(page, "scoreboard.png", tmp_path)

    page.get_by_role("link", name="← Previous").click()
    expect(page.locator("#period-label")).to_have_text("October 2026")
    expect(page.get_by_label("Period", exact=True)).to_have_value("2026-10")
    volume = _row(page, "Sales-ready leads per period")
    expect(volume.locator("a.figure")).to_have_text("1")  # L6, handed over on 30 October
    page.wait_for_function("() => !!Chart.getChart(document.getElementById('chart-marketing'))")

    page.get_by_role("link", name="Next →").click()
    volume = _row(page, "Sales-ready leads per period")
    expect(volume.locator("a.figure")).to_have_text("5")
    volume.locator("a.figure").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sales-ready leads per period")
    expect(page.locator("#results tbody tr")).to_have_count(5)
