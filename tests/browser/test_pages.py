import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_log_in_open_a_lead_move_it_and_see_the_event(log_in, live_server, ada_lead, refresh):
    page = log_in("rep")
    page.get_by_role("link", name="Ada Lovelace").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ada Lovelace")
    page.get_by_label("Move to stage").select_option(label="Sales accepted (SAL)")
    page.get_by_role("button", name="Move", exact=True).click()
    timeline = page.locator("ol.timeline")
    expect(timeline).to_contain_text(
        "Rita Rep moved the lead from Marketing qualified (MQL) to Sales accepted (SAL)"
    )
    expect(page.locator(".badge.stage")).to_have_text("Sales accepted (SAL)")
    expect(page.get_by_role("status")).to_contain_text("The lead moved.")
    assert refresh(ada_lead).stage.key == "sal"


def test_search_filters_the_list_as_you_type(
    log_in, live_server, ada_lead, make_lead, make_contact
):
    make_lead("lead", contact=make_contact(first_name="Bob", last_name="Byte"))
    page = log_in("rep")
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(2)
    page.get_by_label("Search").press_sequentially("Love")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Ada Lovelace")
    expect(page).to_have_url(re.compile(r"q=Love"))
    page.reload()  # the same URL works without htmx
    expect(rows).to_have_count(1)
    expect(page.get_by_label("Search")).to_have_value("Love")


def test_a_refused_move_shows_why_and_changes_nothing(log_in, live_server, ada_lead, refresh):
    page = log_in("rep")
    page.goto(f"{live_server.url}/leads/{ada_lead.pk}/")
    page.get_by_label("Move to stage").select_option(label="Connecting")
    page.get_by_role("button", name="Move", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Cannot enter Connecting: entry criterion 'Sales has touched the lead'"
    )
    expect(page.locator(".badge.stage")).to_have_text("Marketing qualified (MQL)")
    expect(page.locator(":focus")).to_have_id("move-button")  # still where the user was
    assert refresh(ada_lead).stage.key == "mql"


def test_move_a_lead_on_the_board_with_the_keyboard(log_in, live_server, ada_lead, refresh):
    page = log_in("rep")
    page.get_by_role("link", name="Funnel board").click()
    sal = page.locator('[aria-labelledby="col-sal"]')
    expect(sal.locator(".count")).to_have_text("0")
    control = page.get_by_label("Move to").first
    control.focus()
    expect(control).to_have_value("sal")  # preset to the next stage
    page.keyboard.press("Tab")  # to the Move button
    expect(page.locator(":focus")).to_have_text("Move")
    page.keyboard.press("Enter")
    expect(sal.locator(".count")).to_have_text("1")
    expect(sal.get_by_role("link", name="Ada Lovelace")).to_be_visible()
    expect(page.locator('[aria-labelledby="col-mql"] .count')).to_have_text("0")
    # focus follows the card to its new column, so the next Tab continues from there
    expect(page.locator(":focus")).to_have_id(f"move-button-{ada_lead.pk}")
    assert refresh(ada_lead).stage.key == "sal"
