"""Set a webhook up and redeliver from its log in headless Chromium, with the keyboard."""

import pytest
from playwright.sync_api import expect

from truce.notify.models import Delivery, Subscription

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_create_a_webhook_then_redeliver_a_failed_event(
    log_in, live_server, admin_user, webhook_settings, receiver, make_contact
):
    hook = receiver([500, 200])
    page = log_in("admin")
    page.goto(f"{live_server.url}/settings/webhooks/")
    page.get_by_role("link", name="New webhook").click()
    page.get_by_label("Target URL").fill(hook.url)
    page.get_by_label("Event kinds").fill("contact.created")
    page.get_by_label("Description").fill("Warehouse")
    page.get_by_role("button", name="Create webhook").click()

    subscription = Subscription.objects.get()
    expect(page.get_by_label("Secret (shown this once)")).to_have_value(subscription.secret)

    make_contact()  # committed: the first attempt fails with a 500
    page.reload()  # a plain GET after the redirect: no resubmission, no secret
    rows = page.locator("#delivery-log tbody tr")
    expect(rows).to_have_count(2)
    expect(page.get_by_label("Secret (shown this once)")).to_have_count(0)
    button = page.get_by_role("button", name="Redeliver attempt 1 of event")
    button.focus()
    page.keyboard.press("Enter")

    log = page.get_by_role("region", name="Delivery log")
    expect(log.get_by_role("status")).to_contain_text("Redelivery queued as attempt 3.")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("Succeeded")
    assert Delivery.objects.get(subscription=subscription, attempt=3).http_status == 200
    assert len(hook.requests) == 2
