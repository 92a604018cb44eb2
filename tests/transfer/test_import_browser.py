"""Upload → map → preview → import, in Chromium, as a marketing owner would."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.fixtures import screenshot
from truce.funnel import defaults
from truce.funnel.models import Lead
from truce.transfer.models import ImportJob

pytestmark = pytest.mark.browser

LEADS = (
    "Record ID,Email,Nome,Create Date\n"
    "L1,ada@example.com,Ada,2018-03-14\n"
    "L2,not-an-email,Bob,2018-03-15\n"
    "L3,cy@example.com,Cy,2018-03-16\n"
)


@pytest.fixture(autouse=True)
def import_funnel(transactional_db):
    # An earlier transactional test's flush empties the stages the migration installed.
    defaults.install()


def test_upload_map_preview_and_import_the_good_rows(log_in, live_server, import_owner, tmp_path):
    csv = tmp_path / "hubspot-leads.csv"
    csv.write_text(LEADS, encoding="utf-8")
    page = log_in("mo")

    page.get_by_role("link", name="Imports").click()
    page.get_by_label("What the file holds").select_option("leads")
    page.get_by_label("File (CSV or XLSX)").set_input_files(str(csv))
    page.get_by_label("Start from").select_option("preset:hubspot")
    page.get_by_role("button", name="Upload and map columns").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Map the columns of hubspot-leads.csv"
    )
    expect(page.get_by_label("Field for column Email")).to_have_value("email")
    expect(page.get_by_label("Field for column Nome")).to_have_value("")
    expect(page.get_by_label("Date format for column Create Date")).to_have_value("YYYY-MM-DD")
    page.get_by_label("Field for column Nome").select_option("first_name")
    page.get_by_label("Field for column Nome").focus()
    page.keyboard.press("Tab")  # the form is usable from the keyboard: on to the format
    expect(page.get_by_label("Date format for column Nome")).to_be_focused()
    page.get_by_role("button", name="Preview the import").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Preview of import")
    expect(page.locator("#job-state")).to_have_text("Dry run done")
    expect(page.locator("#count-created")).to_have_text("2")
    bad = page.locator("#bad-rows tbody tr")
    expect(bad).to_have_count(1)
    expect(bad.first).to_have_text(
        re.compile(r"3\s*Email\s*'not-an-email' is not an email address")
    )
    assert Lead.objects.count() == 0
    screenshot(page, "import-preview.png", tmp_path)
    page.get_by_role("button", name="Import the good rows, skip the bad").click()

    expect(page.locator("#job-state")).to_have_text("Done")
    expect(page.locator("#count-created")).to_have_text("2")
    expect(page.locator("#count-bad")).to_have_text("1")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download bad rows").click()
    assert download.value.suggested_filename.endswith("-bad-rows.csv")
    page.get_by_role("link", name="Leads").click()
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("#results")).to_contain_text("ada@example.com")
    expect(page.locator("#results")).to_contain_text("cy@example.com")
    job = ImportJob.objects.get(dry_run=False)
    assert (job.status, job.created, job.bad, job.source_name) == (
        "done",
        2,
        1,
        "hubspot-leads.csv",
    )
    assert sorted(Lead.objects.values_list("contact__first_name", flat=True)) == ["Ada", "Cy"]


def test_a_running_import_updates_itself_until_it_is_done(log_in, live_server, import_owner):
    job = ImportJob.objects.create(
        kind="leads", source_name="big.csv", source_sha256="0" * 64, source_size=1,
        status="running", rows_total=100, created=25, created_by=import_owner,
        started_at=timezone.now() - datetime.timedelta(seconds=10),
    )  # fmt: skip
    page = log_in("mo")
    page.goto(f"{live_server.url}/imports/{job.pk}/")
    expect(page.locator("#job-status")).to_contain_text("25 / 100 rows")

    ImportJob.objects.filter(pk=job.pk).update(created=60)
    expect(page.locator("#job-status")).to_contain_text("60 / 100 rows")
    ImportJob.objects.filter(pk=job.pk).update(
        created=100, status="done", finished_at=timezone.now()
    )

    expect(page.locator("#job-state")).to_have_text("Done")
    expect(page.locator("#count-created")).to_have_text("100")
    expect(page.locator("#job-status")).not_to_have_attribute("hx-trigger", "every 1s")
