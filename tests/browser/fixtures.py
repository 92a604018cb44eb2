"""Browser fixtures shared by every package's browser tests: ONE session-wide Chromium.

Playwright's sync API allows one running instance per thread, so the browser must be a single
session fixture registered once (tests/conftest.py loads this module as a plugin); a second
definition in another package would start a second instance and fail.
"""

import os
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.conftest import PASSWORD

# Playwright's sync API runs an event loop in this thread; the ORM calls made by the tests'
# fixtures are still plain synchronous code.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def log_in(page, live_server):
    def log_in(username: str, password: str = PASSWORD):
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"{live_server.url}/")
        return page

    return log_in


def screenshot(page, name: str, tmp_path) -> Path:
    """A screenshot for the docs: written to TRUCE_SCREENSHOT_DIR when it is set (regenerate
    with `TRUCE_SCREENSHOT_DIR=docs/img .venv/bin/pytest -k "screenshot or scoreboard or
    import_browser"`), otherwise the same render goes to a temporary file. Checked to be a PNG
    of substance either way."""
    path = Path(os.environ.get("TRUCE_SCREENSHOT_DIR") or tmp_path) / name
    page.screenshot(path=str(path), full_page=False)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert path.stat().st_size > 10_000
    return path
