"""A rep works a lead from the queue and both teams see the scoreboard move."""

import pytest
from playwright.sync_api import expect

from truce.assignment import services as assignment
from truce.identity.models import Role

pytestmark = pytest.mark.browser


def _acceptance(page):
    return page.locator("#board tr.commitment").filter(
        has=page.get_by_role("rowheader", name="Share of handed-over leads accepted by sales")
    )


def test_a_rep_accepts_from_the_queue_and_the_scoreboard_changes(
    log_in, live_server, make_agreement, make_lead, make_contact, make_user, rep
):
    make_agreement(
        [
            {"kind": "acceptance_rate", "target": 80},
            {"kind": "disposition", "target": 95, "hours": 8},
        ]
    )
    boss = make_user(Role.SALES_OWNER, username="boss")
    lead = make_lead("mql", contact=make_contact(first_name="Grace", last_name="Hopper"))
    assignment.reassign_lead(lead=lead, owner=rep, actor=boss)

    page = log_in("rep")
    page.get_by_role("link", name="Scoreboard").click()
    expect(_acceptance(page)).not_to_contain_text("100 %")

    page.get_by_role("link", name="Queue").click()
    row = page.locator(f"#queue-lead-{lead.pk}")
    expect(row.locator(".deadline")).to_contain_text("left")
    row.get_by_role("button", name="Accept Grace Hopper").click()
    expect(row.locator(".status")).to_have_text("Accepted")

    page.get_by_role("link", name="Scoreboard").click()
    expect(_acceptance(page).locator("a.figure")).to_have_text("100 %")
