"""The import pages: upload, map, preview (a dry run), import, progress, bad rows."""

import datetime
import re

import pytest
from django.utils import timezone

from truce.funnel.models import Lead
from truce.identity.models import Role
from truce.ledger.models import Event
from truce.transfer.import_selectors import _parse_error, progress_of
from truce.transfer.models import ImportJob, ImportMapping, ImportStatus

from .conftest import HUBSPOT_LEADS

AMBIGUOUS = (
    "Record ID,Email,Create Date\nA1,ann@example.com,03-04-2018\nA2,bo@example.com,05-06-2018\n"
)
MAPPED = {
    "column-0": "external_id",
    "column-1": "email",
    "column-2": "first_name",
    "column-3": "created_at",
    "format-3": "YYYY-MM-DD",
    "column-4": "",
}


def selected(html: str, select_id: str) -> str:
    """The value of the selected option of one <select>, '' when none is."""
    body = re.search(rf'<select id="{select_id}"[^>]*>(.*?)</select>', html, re.S)
    assert body is not None, select_id
    chosen = re.search(r'<option value="([^"]*)" selected>', body[1])
    return chosen[1] if chosen else ""


def error_beside(html: str, element_id: str) -> str:
    found = re.search(rf'id="{element_id}-error">([^<]*)<', html)
    return found[1] if found else ""


@pytest.fixture
def owner_client(client, import_owner):
    client.force_login(import_owner)
    return client


@pytest.fixture
def upload(owner_client, import_file):
    """Uploads a file from the list page; returns the mapping page's address."""

    def post(text: str | bytes = HUBSPOT_LEADS, kind: str = "leads", start: str = "") -> str:
        with open(import_file(text), "rb") as handle:
            response = owner_client.post(
                "/imports/", {"kind": kind, "file": handle, "start": start}
            )
        assert response.status_code == 302, response.content.decode()
        return response["Location"]

    return post


@pytest.fixture
def preview(owner_client, upload, django_capture_on_commit_callbacks):
    """Upload, map as MAPPED and preview: the dry-run job, run."""

    def run(text: str = HUBSPOT_LEADS, **extra: str) -> ImportJob:
        url = upload(text)
        with django_capture_on_commit_callbacks(execute=True):
            response = owner_client.post(url, {**MAPPED, **extra})
        assert response.status_code == 302, response.content.decode()
        return ImportJob.objects.get(pk=int(response["Location"].strip("/").split("/")[-1]))

    return run


def test_the_list_page_offers_the_kinds_presets_and_saved_mappings(owner_client, import_owner):
    ImportMapping.objects.create(
        name="Olist MQL", kind="leads", spec={}, created_at=timezone.now(),
        updated_at=timezone.now(),
    )  # fmt: skip

    html = owner_client.get("/imports/").content.decode()

    assert re.findall(r'<option value="([^"]+)"', html) == [
        "companies", "contacts", "leads", "campaigns", "touches", "outcomes",
        "preset:hubspot", "preset:salesforce", f"mapping:{ImportMapping.objects.get().pk}",
    ]  # fmt: skip
    assert '<label for="id_file">File (CSV or XLSX):</label>' in html
    assert 'href="/imports/" aria-current="page">Imports</a>' in html


def test_a_hubspot_header_gets_the_hubspot_presets_fields(owner_client, upload):
    text = (
        "Email,Contact owner,Original Source Drill-Down 2,Favourite colour\na@x.io,mo,Spring,red\n"
    )

    with_preset = owner_client.get(upload(text, start="preset:hubspot")).content.decode()
    without = owner_client.get(upload(text)).content.decode()

    assert [selected(with_preset, f"column-{i}") for i in range(4)] == [
        "email", "owner", "campaign", "",
    ]  # fmt: skip
    assert [selected(without, f"column-{i}") for i in range(4)] == ["email", "", "", ""]
    # a column no field fits may be kept as a fact about the lead
    assert '<option value="facts.favourite_colour">' in without
    assert "<td>a@x.io</td><td>mo</td><td>Spring</td><td>red</td>" in without


def test_the_mapping_page_shows_the_first_rows_and_detected_date_format(owner_client, upload):
    html = owner_client.get(upload()).content.decode()

    assert re.findall(r'<th scope="col">([^<]*)</th>', html)[:5] == [
        "Record ID", "Email", "First Name", "Create Date", "Lifecycle Stage",
    ]  # fmt: skip
    assert "<td>L2</td><td>not-an-email</td><td>Bob</td><td>2018-03-15</td><td></td>" in html
    assert selected(html, "format-3") == "YYYY-MM-DD"
    assert '<label for="column-1" class="skip">Field for column Email</label>' in html


def test_ambiguous_dates_are_refused_until_a_format_is_chosen(
    owner_client, upload, django_capture_on_commit_callbacks
):
    url = upload(AMBIGUOUS)
    shown = owner_client.get(url).content.decode()
    message = (
        "Column &#x27;Create Date&#x27; has dates that read as DD-MM-YYYY or MM-DD-YYYY; say "
        "which in the mapping: &quot;formats&quot;: {&quot;Create Date&quot;: "
        "&quot;DD-MM-YYYY&quot;}."
    )
    assert error_beside(shown, "format-2") == message
    posted = {"column-0": "external_id", "column-1": "email", "column-2": "created_at"}

    refused = owner_client.post(url, posted)

    assert refused.status_code == 400
    assert error_beside(refused.content.decode(), "format-2") == message
    assert ImportJob.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        chosen = owner_client.post(url, {**posted, "format-2": "DD-MM-YYYY"})
    assert chosen.status_code == 302
    job = ImportJob.objects.get()
    assert (job.status, job.created, job.bad) == (ImportStatus.DRY_RUN, 2, 0)
    assert job.spec["mapping"]["formats"] == {"Create Date": "DD-MM-YYYY"}


def test_mapping_errors_are_shown_beside_their_field_and_nothing_is_queued(owner_client, upload):
    url = upload()

    twice = owner_client.post(url, {**MAPPED, "column-2": "email"})
    no_column = owner_client.post(url, {"column-0": ""})
    constant = owner_client.post(url, {**MAPPED, "constants": "colour = red"})
    zone = owner_client.post(url, {**MAPPED, "timezone": "Mars/Olympus"})

    assert twice.status_code == no_column.status_code == constant.status_code == 400
    assert error_beside(twice.content.decode(), "column-2") == (
        "Columns &#x27;Email&#x27; and &#x27;First Name&#x27; both fill &#x27;email&#x27;."
    )
    assert error_beside(no_column.content.decode(), "form") == (
        "Choose a field for at least one column."
    )
    assert error_beside(constant.content.decode(), "constants") == (
        "The constant &#x27;colour&#x27; is not a field of leads imports."
    )
    assert "&#x27;Mars/Olympus&#x27; is not a time zone" in zone.content.decode()
    assert ImportJob.objects.count() == ImportMapping.objects.count() == 0


def test_the_preview_shows_what_would_happen_and_every_bad_row(owner_client, preview):
    job = preview()

    html = owner_client.get(f"/imports/{job.pk}/").content.decode()

    assert (job.status, job.dry_run, job.source_name) == (ImportStatus.DRY_RUN, True, "leads.csv")
    assert (job.rows_total, job.created, job.updated, job.unchanged, job.bad) == (3, 2, 0, 0, 1)
    assert 'id="count-created">2<' in html and 'id="count-bad">1<' in html
    rows = r'<tr><td class="num">(\d+)</td><td>([^<]*)</td><td>([^<]*)</td>'
    assert re.findall(rows, html) == [
        ("3", "Email", "&#x27;not-an-email&#x27; is not an email address")
    ]
    assert "Import the good rows, skip the bad</button>" in html
    assert 'hx-trigger="every 1s"' not in html  # finished: no more polling
    assert Lead.objects.count() == 0


def test_importing_the_good_rows_skips_the_bad_and_hands_them_back(
    owner_client, preview, import_owner, django_capture_on_commit_callbacks
):
    dry = preview()

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(f"/imports/{dry.pk}/run/", {"mode": "skip_bad_rows"})

    job = ImportJob.objects.exclude(pk=dry.pk).get()
    assert response["Location"] == f"/imports/{job.pk}/"
    assert (job.status, job.mode, job.created, job.bad) == ("done", "skip_bad_rows", 2, 1)
    assert sorted(Lead.objects.values_list("external_id", flat=True)) == ["L1", "L3"]
    queued = Event.objects.filter(kind="import.queued", subject_id=job.pk).get()
    assert (queued.actor_id, queued.payload["previewed_by"]) == (import_owner.pk, dry.pk)
    download = owner_client.get(f"/imports/{job.pk}/bad-rows.csv")
    assert download["Content-Disposition"] == (
        f'attachment; filename="import-{job.pk}-bad-rows.csv"'
    )
    assert b"".join(download.streaming_content).decode().splitlines() == [
        "error,Record ID,Email,First Name,Create Date,Lifecycle Stage",
        "\"line 3, column Email: 'not-an-email' is not an email address\","
        "L2,not-an-email,Bob,2018-03-15,",
    ]


def test_all_or_nothing_refuses_a_file_with_a_bad_row_and_writes_nothing(
    owner_client, preview, django_capture_on_commit_callbacks
):
    dry = preview()
    events = Event.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(f"/imports/{dry.pk}/run/", {"mode": "all_or_nothing"})

    job = ImportJob.objects.exclude(pk=dry.pk).get()
    assert (job.status, job.created, job.bad) == (ImportStatus.REFUSED, 0, 1)
    assert Lead.objects.count() == 0
    assert list(Event.objects.order_by("seq")[events:].values_list("kind", flat=True)) == [
        "import.queued"
    ]
    html = owner_client.get(f"/imports/{job.pk}/").content.decode()
    assert "Refused: bad rows, nothing imported" in html
    assert "Bad rows (nothing was imported)" in html


def test_only_a_finished_preview_can_be_imported(owner_client, preview):
    dry = preview()
    real = ImportJob.objects.create(
        kind="leads", source_name="x.csv", source_sha256="0" * 64, source_size=1,
        status=ImportStatus.DONE, started_at=timezone.now(),
    )  # fmt: skip

    response = owner_client.post(f"/imports/{real.pk}/run/", {"mode": "skip_bad_rows"}, follow=True)

    assert "Only a finished preview (dry run) can be imported." in response.content.decode()
    assert ImportJob.objects.count() == 2 and dry.pk != real.pk


def test_a_saved_mapping_is_reused_for_the_next_file(owner_client, preview, upload, import_owner):
    preview(save_as="HubSpot leads", **{"column-2": ""})
    saved = ImportMapping.objects.get()
    assert (saved.name, saved.kind, saved.created_by) == ("HubSpot leads", "leads", import_owner)
    assert saved.spec["columns"] == {
        "Record ID": "external_id", "Email": "email", "Create Date": "created_at",
    }  # fmt: skip
    event = Event.objects.get(kind="import_mapping.saved")
    assert (event.subject_id, event.actor_id, event.payload["created"]) == (
        saved.pk,
        import_owner.pk,
        True,
    )

    html = owner_client.get(upload(start=f"mapping:{saved.pk}")).content.decode()

    # The suggestion would map First Name; the saved mapping leaves it out.
    assert [selected(html, f"column-{i}") for i in range(5)] == [
        "external_id", "email", "", "created_at", "",
    ]  # fmt: skip


def test_saving_under_a_name_updates_that_mapping(preview):
    preview(save_as="Leads")
    preview(save_as="Leads", **{"column-2": ""})

    saved = ImportMapping.objects.get()
    assert "First Name" not in saved.spec["columns"]
    assert [e.payload["created"] for e in Event.objects.filter(kind="import_mapping.saved")] == [
        True,
        False,
    ]


def test_an_upload_larger_than_the_limit_is_refused_and_not_kept(
    owner_client, import_file, import_uploads_dir, settings
):
    settings.TRUCE_IMPORT_MAX_UPLOAD_BYTES = 50
    before = set(import_uploads_dir.iterdir())

    with open(import_file(), "rb") as handle:
        response = owner_client.post("/imports/", {"kind": "leads", "file": handle})

    assert response.status_code == 413
    assert error_beside(response.content.decode(), "id_file") == (
        "The file is larger than the 50 bytes an upload may be "
        "(TRUCE_IMPORT_MAX_UPLOAD_BYTES); split it, or import it with `truce import`."
    )
    assert set(import_uploads_dir.iterdir()) == before


def test_an_upload_without_a_file_or_kind_is_refused(owner_client, import_uploads_dir):
    before = set(import_uploads_dir.iterdir())

    response = owner_client.post("/imports/", {"kind": "spaceships"})

    assert response.status_code == 400
    html = response.content.decode()
    assert error_beside(html, "id_kind").startswith("Select a valid choice.")
    assert error_beside(html, "id_file") == "This field is required."
    assert set(import_uploads_dir.iterdir()) == before


def test_a_saved_mapping_of_another_kind_is_refused_at_upload(
    owner_client, import_file, import_uploads_dir
):
    now = timezone.now()
    camps = ImportMapping.objects.create(name="Camps", kind="campaigns", created_at=now,
                                         updated_at=now)  # fmt: skip
    before = set(import_uploads_dir.iterdir())

    with open(import_file(), "rb") as handle:
        response = owner_client.post(
            "/imports/", {"kind": "leads", "file": handle, "start": f"mapping:{camps.pk}"}
        )

    assert response.status_code == 400
    assert error_beside(response.content.decode(), "id_start") == (
        "The mapping &#x27;Camps&#x27; is for campaigns imports."
    )
    assert set(import_uploads_dir.iterdir()) == before


def test_an_unreadable_file_is_explained_on_the_mapping_page(owner_client, upload):
    url = upload(b"\xd0\xcf\x11\xe0 old excel")

    response = owner_client.get(url)

    assert response.status_code == 400
    assert "leads.csv is an old Excel .xls file: save it as .xlsx or CSV." in (
        response.content.decode()
    )


def test_an_unknown_upload_is_not_found(owner_client):
    assert owner_client.get("/imports/uploads/../../etc/").status_code == 404
    assert owner_client.get("/imports/uploads/" + "a" * 32 + "/").status_code == 404


def test_a_running_job_polls_its_status_fragment(owner_client, import_owner):
    job = ImportJob.objects.create(
        kind="leads", source_name="big.csv", source_sha256="0" * 64, source_size=1,
        status=ImportStatus.RUNNING, rows_total=100, created=25, created_by=import_owner,
        started_at=timezone.now() - datetime.timedelta(seconds=10),
    )  # fmt: skip

    full = owner_client.get(f"/imports/{job.pk}/").content.decode()
    fragment = owner_client.get(f"/imports/{job.pk}/", headers={"HX-Request": "true"})

    html = fragment.content.decode()
    assert html.startswith('<section id="job-status"') and "<html" not in html
    assert f'hx-get="/imports/{job.pk}/" hx-trigger="every 1s" hx-swap="outerHTML"' in html
    assert "25 / 100 rows" in html
    assert html.strip() in full


def test_progress_counts_rows_per_second_and_the_time_left():
    start = timezone.now()
    job = ImportJob(
        status=ImportStatus.RUNNING, rows_total=110, bad=10, created=20, updated=5,
        started_at=start,
    )  # fmt: skip

    progress = progress_of(job, now=start + datetime.timedelta(seconds=10))

    assert (progress.done, progress.total, progress.rate, progress.eta) == (25, 100, 2.5, 30.0)
    assert (progress.percent, progress.finished) == (25, False)


def test_a_bad_rows_reason_is_parsed_even_when_the_column_holds_a_colon():
    header = ["Note: internal", "Email"]

    assert vars(_parse_error("line 7, column Note: internal: too long", header)) == {
        "line": 7, "column": "Note: internal", "reason": "too long",
    }  # fmt: skip
    assert vars(_parse_error("line 9: Same email a@x.io as line 2.", header)) == {
        "line": 9, "column": None, "reason": "Same email a@x.io as line 2.",
    }  # fmt: skip


@pytest.mark.parametrize("role", [Role.SALES_REP, Role.VIEWER, Role.MARKETER])
def test_roles_that_may_not_import_get_403_and_change_nothing(
    client, make_user, role, import_file, import_owner, import_uploads_dir
):
    job = ImportJob.objects.create(
        kind="leads", source_name="x.csv", source_sha256="0" * 64, source_size=1,
        status=ImportStatus.DRY_RUN, dry_run=True, started_at=timezone.now(),
    )  # fmt: skip
    client.force_login(make_user(role))
    before = set(import_uploads_dir.iterdir())

    with open(import_file(), "rb") as handle:
        uploaded = client.post("/imports/", {"kind": "leads", "file": handle})
    answers = [
        client.get("/imports/").status_code,
        uploaded.status_code,
        client.get(f"/imports/{job.pk}/").status_code,
        client.get(f"/imports/{job.pk}/bad-rows.csv").status_code,
        client.post(f"/imports/{job.pk}/run/", {"mode": "skip_bad_rows"}).status_code,
        client.get("/imports/uploads/" + "a" * 32 + "/").status_code,
    ]

    assert answers == [403] * 6
    assert set(import_uploads_dir.iterdir()) == before
    assert ImportJob.objects.count() == 1
    assert 'href="/imports/"' not in client.get("/").content.decode()


def test_the_list_page_costs_the_same_queries_for_any_number_of_jobs(
    owner_client, import_owner, django_assert_num_queries
):
    def add(count: int) -> None:
        for n in range(count):
            ImportJob.objects.create(
                kind="leads", source_name=f"{n}.csv", source_sha256="0" * 64, source_size=1,
                status=ImportStatus.DONE, created_by=import_owner, started_at=timezone.now(),
            )  # fmt: skip

    add(1)
    with django_assert_num_queries(4):  # session, user, saved mappings, jobs
        one = owner_client.get("/imports/")
    add(9)
    with django_assert_num_queries(4):  # session, user, saved mappings, jobs
        ten = owner_client.get("/imports/")

    assert one.content.decode().count('<th scope="row"><a href="/imports/') == 1
    assert ten.content.decode().count('<th scope="row"><a href="/imports/') == 10
