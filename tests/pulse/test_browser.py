"""A rep answers the pulse survey in Chromium, then a leader reads the results and trend."""

import pytest
from playwright.sync_api import expect

from tests.browser.fixtures import screenshot
from truce.pulse.models import Answer, Participation

pytestmark = pytest.mark.browser


def test_a_rep_answers_the_pulse_survey(page, live_server, log_in, rep, open_round, tmp_path):
    log_in("rep")
    page.get_by_role("link", name="Team pulse").click()
    page.get_by_role("link", name="Survey").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pulse survey")

    page.get_by_role("group", name="How well do marketing and sales work together?").get_by_label(
        "4"
    ).check()
    page.get_by_role("group", name="How clear are the goals both teams share?").get_by_label(
        "2"
    ).check()
    # The last one by keyboard: focus the first choice, arrow to 5.
    trust = page.get_by_role("group", name="How much do you trust the numbers in Truce?")
    trust.get_by_label("1").focus()
    page.keyboard.press("Space")
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    expect(trust.get_by_label("5")).to_be_checked()
    screenshot(page, "pulse-survey.png", tmp_path)
    page.get_by_role("button", name="Send answers").click()

    expect(page.get_by_role("status")).to_contain_text("recorded without your name")
    expect(page.get_by_text("You have answered this round.")).to_be_visible()
    assert Participation.objects.filter(person=rep).count() == 1
    assert sorted(Answer.objects.values_list("question__key", "score")) == [
        ("cooperation", 4),
        ("shared_goals", 2),
        ("trust_numbers", 5),
    ]


def test_results_show_the_trend(page, live_server, log_in, rep, past_round, fill, people):
    fill(past_round, [(p, (3, 4, 5)) for p in people(5)])
    log_in("rep")
    page.goto(f"{live_server.url}/pulse/results/")
    table = page.get_by_role("table", name="Average scores by round")
    expect(table.get_by_role("row", name=str(past_round))).to_contain_text("3.00")
    expect(page.locator("canvas#pulse-trend")).to_be_visible()
    assert page.evaluate("() => Chart.getChart('pulse-trend').data.datasets.length") == 3


def test_a_rep_posts_and_a_leader_answers_in_public(browser, live_server, make_user, rep, settings):
    from tests.conftest import PASSWORD
    from truce.identity.models import Role

    make_user(Role.SALES_OWNER, username="sam", first_name="Sam", last_name="Sutton")

    def session(username):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(10_000)
        tab = context.new_page()
        tab.goto(f"{live_server.url}/login/")
        tab.get_by_label("Username").fill(username)
        tab.get_by_label("Password").fill(PASSWORD)
        tab.get_by_role("button", name="Log in").click()
        tab.wait_for_url(f"{live_server.url}/")
        tab.get_by_role("link", name="Team pulse").click()
        return context, tab

    context, tab = session("rep")
    tab.get_by_label("What is going on between the teams?").fill("Leads arrive with no notes.")
    tab.get_by_role("button", name="Post anonymously").click()
    expect(tab.get_by_role("status")).to_have_text("Posted anonymously.")
    expect(tab.get_by_role("listitem").filter(has_text="Leads arrive")).to_contain_text("Anonymous")
    expect(tab.get_by_label("Answer publicly")).to_have_count(0)
    context.close()

    context, tab = session("sam")
    post = tab.get_by_role("listitem").filter(has_text="Leads arrive with no notes.")
    post.get_by_label("Answer publicly").fill("We will add the form answers to the lead.")
    post.get_by_role("button", name="Publish answer").click()
    expect(tab.get_by_role("status")).to_have_text("Your answer is published.")
    expect(post).to_contain_text("Sam Sutton answered on")
    context.close()
