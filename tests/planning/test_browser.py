"""In Chromium: open a plan, see its disconnect explained, fix it in a review and an edit."""

import re
from datetime import date

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.fixtures import screenshot

pytestmark = pytest.mark.browser

BONUS = {"name": "Closer bonus", "kind": "bonus", "amount": "10000"}
SPIFF = {"name": "Analytics SPIFF", "kind": "spiff", "amount": "6000"}


@pytest.fixture
def plans(make_agreement, make_plan, owners):
    make_agreement([{"kind": "touches", "target": 5, "days": 7}])
    sides = {"lead_target": 300, "reps": 4, "touches_per_rep_per_week": 35}
    make_plan(budget="60000", incentives=[BONUS], start=date(2025, 10, 1), **sides)
    return make_plan(budget="45000", incentives=[BONUS, SPIFF], **sides)


def test_open_a_plan_see_the_disconnect_and_resolve_it(log_in, live_server, plans, tmp_path):
    page = log_in("vp_sales")
    page.get_by_role("link", name="Plans").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Joint plans")
    page.get_by_role("link", name="2026-Q1").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Plan 2026-Q1 · Analytics")
    finding = page.locator("li.finding")
    expect(finding).to_have_count(1)
    expect(finding).to_contain_text(
        "Sales incentives rose from 10,000.00 to 16,000.00 against the previous period's plan, "
        "while the marketing budget fell from 60,000.00 to 45,000.00"
    )
    expect(finding).to_contain_text("Open")
    finding.get_by_text("The numbers").click()
    expect(finding.locator("dl.facts")).to_contain_text("budget_before")
    screenshot(page, "plan-disconnect.png", tmp_path)

    page.get_by_role("link", name="Record a review meeting").click()
    page.get_by_label("Held on").fill(timezone.localdate().isoformat())
    page.get_by_role("checkbox", name="vp_marketing (Marketing owner)").check()
    page.get_by_role("checkbox", name="vp_sales (Sales owner)").check()
    decision = page.locator("fieldset.decision").first
    decision.get_by_label("Decision").fill("Restore the budget for the SPIFF's quarter")
    decision.get_by_label("Owner").select_option(label="vp_marketing (Marketing owner)")
    decision.get_by_label("Due on").fill("2026-02-15")
    decision.get_by_role("checkbox", name=re.compile("Sales incentives rose")).check()
    page.get_by_role("button", name="Record the review").click()

    expect(page.get_by_text("The review was recorded.")).to_be_visible()
    expect(page.locator("li.finding")).to_contain_text("Resolved")
    expect(page.locator("li.finding")).to_contain_text(
        "Resolved by the decision “Restore the budget for the SPIFF's quarter”"
    )


def test_edit_the_sales_side_in_the_browser(log_in, live_server, plans):
    page = log_in("vp_sales")
    page.goto(f"{live_server.url}/plans/{plans.pk}/edit/")
    expect(page.get_by_label("Marketing budget")).to_be_disabled()
    page.get_by_label("Incentives").fill("bonus | Closer bonus | 10000")
    page.get_by_label("What changed and why").fill("Dropped the SPIFF.")
    page.get_by_role("button", name="Save as a new revision").click()

    expect(page.get_by_text("The plan was saved as a new revision")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("Disconnects"))).to_have_text(
        "Disconnects (0)"
    )
    expect(page.get_by_role("table").last).to_contain_text("Dropped the SPIFF.")
