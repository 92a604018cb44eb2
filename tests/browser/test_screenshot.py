"""The lead page screenshot in the docs. Regenerate it with:

TRUCE_SCREENSHOT_DIR=docs/img .venv/bin/pytest tests/browser -k screenshot
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.fixtures import screenshot
from truce.funnel import services as funnel_services
from truce.identity.models import Role
from truce.touches import services as touch_services


def _story(*, make_company, make_contact, make_campaign, stage, rep, mara):
    """A lead's first three weeks, from a webinar sign-up to a proposal."""
    now = timezone.now().replace(second=0, microsecond=0)

    def ago(days, hours=0):
        return now - timedelta(days=days, hours=hours)

    company = make_company(
        name="Northwind Traders", domain="northwind.example", employees=420, industry="Logistics"
    )
    contact = make_contact(
        email="grace.hopper@northwind.example",
        first_name="Grace",
        last_name="Hopper",
        title="VP Operations",
        company=company,
    )
    webinar = make_campaign(name="Fleet visibility webinar", channel="webinar")
    lead = funnel_services.create_lead(
        contact=contact,
        actor=None,
        stage=stage("lead"),
        source="webinar",
        campaign=webinar,
        owner=rep,
        score=64,
        product_line="Fleet",
        created_at=ago(19, 6),
    )
    touch_services.record_touch(
        lead=lead,
        kind="webinar",
        channel="webinar",
        campaign=webinar,
        actor=None,
        occurred_at=ago(19, 5),
    )
    touch_services.record_touch(
        lead=lead, kind="content_download", channel="email", actor=None, occurred_at=ago(16, 3)
    )
    funnel_services.move_lead(lead=lead, stage=stage("mql"), actor=mara, occurred_at=ago(15, 2))
    funnel_services.move_lead(lead=lead, stage=stage("sal"), actor=rep, occurred_at=ago(14, 7))
    touch_services.record_touch(
        lead=lead, kind="call", channel="phone", actor=rep, occurred_at=ago(14, 5)
    )
    for key, days in [("prospecting", 13), ("connecting", 11)]:
        funnel_services.move_lead(lead=lead, stage=stage(key), actor=rep, occurred_at=ago(days))
    touch_services.record_touch(
        lead=lead, kind="meeting", channel="video call", actor=rep, occurred_at=ago(8, 1)
    )
    funnel_services.move_lead(lead=lead, stage=stage("researching"), actor=rep, occurred_at=ago(8))
    touch_services.record_touch(
        lead=lead, kind="demo", channel="video call", actor=rep, occurred_at=ago(2, 4)
    )
    funnel_services.update_lead(lead=lead, actor=rep, changes={"amount": "48000"})
    return funnel_services.move_lead(lead=lead, stage=stage("presenting"), actor=rep)


@pytest.mark.browser
def test_lead_page_screenshot(
    tmp_path, log_in, live_server, make_user, make_company, make_contact, make_campaign, stage, rep
):
    mara = make_user(Role.MARKETER, username="mara", first_name="Mara", last_name="Marketing")
    lead = _story(
        make_company=make_company,
        make_contact=make_contact,
        make_campaign=make_campaign,
        stage=stage,
        rep=rep,
        mara=mara,
    )
    page = log_in("rep")
    page.goto(f"{live_server.url}/leads/{lead.pk}/")
    expect(page.locator("ol.timeline li")).to_have_count(14)
    screenshot(page, "lead-page.png", tmp_path)
