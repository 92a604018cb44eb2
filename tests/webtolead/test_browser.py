"""A visitor on someone else's website fills the embedded snippet in Chromium."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

from truce.funnel.models import Lead
from truce.webtolead.models import Submission
from truce.webtolead.snippet import render_snippet

pytestmark = pytest.mark.browser


@pytest.fixture
def host_site():
    """A tiny website on 127.0.0.1 serving one page; `page_html` is set by the test."""
    pages: dict[str, str] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = pages["html"].encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield pages, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_visitor_fills_the_embedded_form(
    page, live_server, host_site, settings, make_form, make_campaign
):
    settings.TRUCE_BASE_URL = live_server.url
    spring = make_campaign(name="Spring Launch")
    form = make_form(name="Contact us", fields=["first_name", "company", "message"])
    pages, site = host_site
    pages["html"] = (
        '<!doctype html><html lang="en"><head><title>Acme</title></head><body>'
        f"<h1>Talk to us</h1>{render_snippet(form)}</body></html>"
    )

    page.goto(f"{site}/contact?utm_source=Newsletter&utm_medium=email&utm_campaign=spring-launch")
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("First name").fill("Ada")
    page.get_by_label("Company").fill("Analytical Engines")
    page.get_by_label("Message").fill("Call me.")
    # The honeypot is off-screen and out of the accessibility tree; people never meet it.
    expect(page.get_by_role("textbox", name="Leave this field empty")).to_have_count(0)
    box = page.locator('input[name="website"]').bounding_box()
    assert box is not None and box["x"] + box["width"] <= 0
    page.keyboard.press("Tab")  # from the message straight to the button, past the honeypot
    expect(page.get_by_role("button", name="Send")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
    expect(page.get_by_role("status")).to_have_text("Thank you. We will be in touch soon.")
    lead = Lead.objects.select_related("contact", "campaign").get()
    assert (lead.contact.email, lead.contact.first_name, lead.source, lead.campaign) == (
        "ada@example.com",
        "Ada",
        "newsletter",
        spring,
    )
    submission = Submission.objects.get()
    assert (submission.utm_medium, submission.utm_campaign, submission.touch.note) == (
        "email",
        "spring-launch",
        "Call me.",
    )


def test_a_marketer_creates_a_form_and_copies_its_snippet(log_in, live_server, marketer):
    page = log_in("marketer")
    page.goto(f"{live_server.url}/webforms/")
    page.get_by_role("link", name="New web form").click()
    page.get_by_label("Name:", exact=True).fill("Webinar sign-up")
    page.get_by_label("Job title").check()
    page.get_by_role("button", name="Create form").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Webinar sign-up")
    snippet = page.get_by_label("Snippet")
    expect(snippet).to_contain_text('name="title"')
    page.get_by_role("button", name="Copy snippet").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#copy-status")).to_have_text("Copied.")
