"""Both owners agree a sales-ready definition in the browser: propose, sign, sign."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import default_funnel  # noqa: F401 (autouse: the stages)
from truce.funnel.models import SalesReadyDefinition

pytestmark = pytest.mark.browser


def test_the_owners_propose_and_sign_a_definition(
    log_in, live_server, marketing_owner, sales_owner
):
    # the marketing owner proposes a rule, first with a typo
    screen = log_in("mona")
    screen.goto(f"{live_server.url}/definitions/")
    expect(screen.locator("#rule-in-force")).to_contain_text("No version is in force yet")
    screen.get_by_label("Rule").fill("fit_score >= 40 and and engagement_score >= 30")
    screen.get_by_role("button", name="Propose").click()
    expect(screen.get_by_role("alert")).to_contain_text("Syntax error at position 21 ('and')")
    screen.get_by_label("Rule").fill("fit_score >= 40 and engagement_score >= 30")
    screen.get_by_role("button", name="Propose").click()
    expect(screen.get_by_role("status")).to_contain_text("Version 1 is proposed")

    # and signs it: one signature is not enough
    screen.get_by_role("button", name="Sign version 1 as marketing owner").click()
    expect(screen.get_by_role("status")).to_contain_text("it awaits the other owner")
    expect(screen.locator("#version-1")).to_contain_text("Awaiting signatures")
    screen.get_by_role("button", name="Log out").click()

    # the sales owner signs: the version is in force
    screen = log_in("sam")
    screen.goto(f"{live_server.url}/definitions/")
    screen.get_by_role("button", name="Sign version 1 as sales owner").click()
    expect(screen.get_by_role("status")).to_contain_text("now in force")
    expect(screen.locator("#rule-in-force")).to_have_text(
        "fit_score >= 40 and engagement_score >= 30"
    )
    assert SalesReadyDefinition.objects.get(version=1).in_force_from is not None
