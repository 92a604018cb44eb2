"""The list pages' export links, clicked in headless Chromium."""

import csv
import io
import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_export_csv_from_the_filtered_lead_list(
    transactional_db, log_in, live_server, acme_lead, make_lead, make_contact
):
    make_lead("lead", contact=make_contact(first_name="Bob", last_name="=1+1"))
    page = log_in("rep")
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(2)
    page.get_by_label("Stage").select_option(label="Marketing qualified (MQL)")
    expect(rows).to_have_count(1)
    link = page.get_by_role("link", name="Export CSV")
    expect(link).to_have_attribute(
        "href", "/export/leads/?format=csv&q=&stage=mql&outcome=&owner=&source="
    )
    link.focus()
    with page.expect_download() as info:
        page.keyboard.press("Enter")  # keyboard only
    download = info.value
    assert download.suggested_filename.startswith("truce-leads-")
    table = list(csv.DictReader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
    assert [(r["id"], r["contact_email"], r["stage_key"]) for r in table] == [
        (str(acme_lead.pk), "ada@acme.example", "mql")
    ]


def test_export_json_from_the_scoreboard(transactional_db, log_in, live_server, make_agreement):
    make_agreement()
    page = log_in("vp_sales")
    page.get_by_role("link", name="Scoreboard").click()
    with page.expect_download() as info:
        page.get_by_role("link", name="Export JSON").click()
    items = json.loads(Path(info.value.path()).read_text(encoding="utf-8"))
    assert items[0]["commitment"] == "mql_volume"
    assert items[0]["team"] == "marketing"


def test_export_my_queue(transactional_db, log_in, live_server, acme_lead):
    page = log_in("rep")
    page.get_by_role("link", name="Queue").click()
    with page.expect_download() as info:
        page.get_by_role("link", name="Export CSV").click()
    table = list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text(encoding="utf-8"))))
    assert [(r["id"], r["owner_username"]) for r in table] == [(str(acme_lead.pk), "rep")]
