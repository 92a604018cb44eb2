"""A rep accepts a lead from the queue in real headless Chromium, keyboard included."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import default_funnel  # noqa: F401 (autouse: the stages)
from truce.assignment import services
from truce.funnel.models import Lead

pytestmark = pytest.mark.browser


@pytest.fixture
def queued(make_contact, make_lead, rep, make_user):
    from truce.identity.models import Role

    boss = make_user(Role.SALES_OWNER, username="boss")

    def make(first_name: str, last_name: str):
        contact = make_contact(first_name=first_name, last_name=last_name)
        lead = make_lead("mql", contact=contact)
        return services.reassign_lead(lead=lead, owner=rep, actor=boss)

    return make


def test_rep_accepts_one_lead_and_rejects_another_from_the_queue(
    log_in,
    live_server,
    queued,
):
    ada = queued("Ada", "Lovelace")
    bob = queued("Bob", "Byte")
    page = log_in("rep")
    page.get_by_role("link", name="Queue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My queue")

    ada_row = page.locator(f"#queue-lead-{ada.pk}")
    ada_row.get_by_role("button", name="Accept Ada Lovelace").click()
    expect(ada_row).to_contain_text("Accepted: the lead is now a SAL.")
    expect(ada_row.locator(".status")).to_have_text("Accepted")

    bob_row = page.locator(f"#queue-lead-{bob.pk}")
    bob_row.get_by_role("button", name="Reject Bob Byte").click()
    expect(bob_row.get_by_role("alert")).to_have_text(
        "Rejecting a lead needs a reason from the rejected list."
    )
    # Keyboard only: pick a reason, then Enter submits the form.
    bob_row.get_by_label("Rejection reason for Bob Byte").focus()
    page.keyboard.press("ArrowDown")
    bob_row.get_by_label("Note for marketing").fill("Wrong market")
    page.keyboard.press("Enter")
    expect(bob_row).to_contain_text("Rejected: Not our ideal customer profile.")

    assert Lead.objects.get(pk=ada.pk).stage.key == "sal"
    assert Lead.objects.get(pk=bob.pk).disposition_reason.key == "not_icp"
