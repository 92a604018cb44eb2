"""A team owner edits a playbook in Chromium and reads the diff of what they changed."""

import pytest
from playwright.sync_api import expect

from tests.browser.fixtures import screenshot
from truce.playbooks.seeds import install_templates

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _funnel(transactional_db):
    from truce.funnel import defaults

    defaults.install()


def test_edit_a_playbook_and_see_the_diff(page, live_server, log_in, mona, tmp_path):
    install_templates(actor=mona, owner=mona)
    log_in("mona")

    page.get_by_role("link", name="Playbooks").click()
    page.get_by_label("Search playbooks").fill("fax")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("p.count")).to_have_text("0 playbooks match “fax”.")
    page.get_by_label("Search playbooks").fill("greeting")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Greeting and orienting customers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Greeting and orienting customers")

    page.get_by_role("link", name="Edit").click()
    step = page.get_by_role("group", name="Step 2")
    step.get_by_label("Why").fill("Buyers doubt most right after signing; a fast call reassures.")
    page.get_by_label("Change note").fill("Say plainly why the call is fast.")
    page.get_by_role("button", name="Save new version").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "History of Greeting and orienting customers"
    )
    diff = page.locator("table.diff")
    expect(diff.locator("del")).to_have_text(
        "− Why: Buyers feel most uncertain right after signing; a fast, personal greeting "
        "turns that into confidence."
    )
    expect(diff.locator("ins")).to_have_text(
        "+ Why: Buyers doubt most right after signing; a fast call reassures."
    )
    expect(page.locator(".added-count")).to_have_text("1 line added")
    screenshot(page, "playbook-diff.png", tmp_path)


def test_a_missing_why_is_shown_on_the_step(page, live_server, log_in, mona):
    install_templates(actor=mona, owner=mona)
    log_in("mona")
    page.goto(f"{live_server.url}/playbooks/greeting-customers/edit/")
    step = page.get_by_role("group", name="Step 6")
    step.get_by_label("Who").fill("Marketing")
    step.get_by_label("Does what").fill("Send a gift.")
    page.get_by_label("Change note").fill("Gift.")
    page.get_by_role("button", name="Save new version").click()
    expect(step.get_by_role("alert")).to_contain_text('Step 6 ("Send a gift.") does not say why.')


def test_record_a_due_review_and_see_the_guidance_on_a_lead(
    page, live_server, log_in, mona, make_user, acme_lead
):
    from datetime import timedelta

    from django.utils import timezone

    from truce.playbooks.models import Playbook

    make_user(username="sam", role="sales_owner")
    install_templates(actor=mona, owner=mona)
    today = timezone.localdate()
    Playbook.objects.filter(key="creating-content").update(
        next_review_due=today - timedelta(days=2)
    )
    log_in("mona")

    page.get_by_role("link", name="Playbooks").click()
    page.get_by_role("link", name="Reviews due (1)").click()
    row = page.get_by_role("row", name="Creating content")
    expect(row.get_by_role("cell").last).to_have_text("2")
    row.get_by_role("link", name="Creating content").click()
    page.get_by_role("link", name="Record a review").click()
    page.get_by_label("sam").check()
    page.get_by_label("What changed").fill("Sales now reviews drafts within three days.")
    page.get_by_label("What was removed, and why").fill("The print step: we stopped printing.")
    page.get_by_role("button", name="Record review").click()

    due = (today + timedelta(days=90)).strftime("%-d %B %Y")
    expect(page.locator(".notice")).to_have_text(f"Review recorded. The next one is due on {due}.")
    log = page.get_by_role("region", name="Review log")
    expect(log).to_contain_text("mona, sam")
    expect(log).to_contain_text("The print step: we stopped printing.")
    page.get_by_role("link", name="← All playbooks").click()
    expect(page.get_by_role("link", name="Reviews due (0)")).to_be_visible()

    page.goto(f"{live_server.url}/leads/{acme_lead.pk}/")
    guidance = page.get_by_role("region", name="Playbook for this stage")
    expect(guidance.get_by_role("link")).to_have_text(["Customer journey — marketing process"])
    expect(guidance).to_contain_text("Why: Rejections are the cheapest feedback")
    # Moving the lead swaps the lead's body; the guidance follows it to the new stage.
    page.get_by_label("Move to stage").select_option("sal")
    page.get_by_role("button", name="Move").click()
    expect(page.locator(".badge.stage")).to_have_text("Sales accepted (SAL)")
    expect(guidance.get_by_role("link")).to_have_text(["Customer journey — sales process"])
