"""The import API: multipart uploads, jobs, bad rows, saved mappings, fields; and bad input."""

import json

import pytest
from django.test import Client
from django.utils import timezone

from tests.datasets import OLIST
from truce.funnel.models import Lead
from truce.identity import services as identity_services
from truce.identity.models import Role
from truce.ledger.models import Event
from truce.transfer.models import ImportJob, ImportMapping, ImportStatus

from .conftest import HUBSPOT_LEADS

MAPPING = {
    "columns": {"Record ID": "external_id", "Email": "email", "Create Date": "created_at"},
    "formats": {"Create Date": "YYYY-MM-DD"},
}
BAD_ROW = {"line": 3, "column": "Email", "reason": "'not-an-email' is not an email address"}


@pytest.fixture
def api_as():
    def client(user) -> Client:
        token = identity_services.create_api_token(user=user, name="tests")[1]
        return Client(headers={"Authorization": f"Bearer {token}"})

    return client


@pytest.fixture
def owner_api(api_as, import_owner):
    return api_as(import_owner)


@pytest.fixture
def post_import(owner_api, import_file, django_capture_on_commit_callbacks):
    """POSTs a file (and form parts) to /api/v1/imports, running the queued job on commit."""

    def post(text: str | bytes = HUBSPOT_LEADS, client: Client | None = None, **parts):
        with (
            open(import_file(text), "rb") as handle,
            django_capture_on_commit_callbacks(execute=True),
        ):
            body = {"kind": "leads", "file": handle, **parts}
            return (client or owner_api).post("/api/v1/imports", body)

    return post


@pytest.fixture
def run_import(post_import, owner_api):
    """The job as it stands once the queued import ran."""

    def run(text: str | bytes = HUBSPOT_LEADS, **parts):
        response = post_import(text, **parts)
        assert response.status_code == 202, response.content
        return owner_api.get(f"/api/v1/imports/{response.json()['id']}").json()

    return run


def error_of(response) -> tuple[int, str, str | None, str]:
    body = response.json()
    assert body["errors"][0] == {k: body[k] for k in ("code", "field", "message")}
    return response.status_code, body["code"], body["field"], body["message"]


@pytest.fixture
def nothing_changes(db, import_uploads_dir):
    """Asserts, after the test's refusal, that no job, upload, lead or event was added."""
    written = Event.objects.filter(kind__regex=r"^(import|lead|contact|company|campaign)")
    before = (set(import_uploads_dir.iterdir()), written.count())

    def check():
        assert set(import_uploads_dir.iterdir()) == before[0]
        assert written.count() == before[1]
        assert ImportJob.objects.count() == Lead.objects.count() == 0

    return check


def test_a_dry_run_reports_what_would_happen_and_every_bad_row(post_import, owner_api):
    response = post_import(dry_run="true")

    assert response.status_code == 202
    assert (response.json()["status"], response.json()["rows_total"]) == ("queued", 0)
    job = owner_api.get(f"/api/v1/imports/{response.json()['id']}").json()
    assert {k: job[k] for k in ("status", "dry_run", "mode", "source_name", "rows_total")} == {
        "status": "dry_run",
        "dry_run": True,
        "mode": "all_or_nothing",
        "source_name": "leads.csv",
        "rows_total": 3,
    }
    assert (job["created"], job["updated"], job["unchanged"], job["bad"]) == (2, 0, 0, 1)
    assert (job["done"], job["total"], job["progress"], job["eta_seconds"]) == (2, 2, 1.0, None)
    assert job["mapping"]["columns"] == {}  # suggested from the header when it runs
    assert job["bad_rows_url"] == f"/api/v1/imports/{job['id']}/bad-rows.csv"
    assert job["bad_rows"] == [BAD_ROW]
    assert Lead.objects.count() == 0


def test_skip_bad_rows_imports_the_good_ones_and_serves_the_bad_as_csv(
    run_import, owner_api, import_owner
):
    job = run_import(mapping=json.dumps(MAPPING), skip_bad_rows="true")

    assert (job["status"], job["mode"], job["created"], job["bad"]) == (
        "done",
        "skip_bad_rows",
        2,
        1,
    )
    assert job["mapping"]["columns"] == MAPPING["columns"]
    assert job["created_by_id"] == import_owner.pk
    assert sorted(Lead.objects.values_list("external_id", flat=True)) == ["L1", "L3"]
    csv = owner_api.get(job["bad_rows_url"])
    assert csv.status_code == 200
    assert csv["Content-Type"] == "text/csv"
    assert b"".join(csv.streaming_content).decode().splitlines()[1] == (
        "\"line 3, column Email: 'not-an-email' is not an email address\","
        "L2,not-an-email,Bob,2018-03-15,"
    )


def test_all_or_nothing_is_the_default_and_writes_nothing_on_a_bad_row(run_import):
    job = run_import()

    assert (job["status"], job["created"], job["bad"]) == ("refused", 0, 1)
    assert Lead.objects.count() == 0
    assert not Event.objects.filter(kind__startswith="lead.").exists()


def test_a_saved_mapping_is_used_by_id(run_import, owner_api):
    saved = owner_api.post(
        "/api/v1/import-mappings",
        json.dumps({"name": "HubSpot leads", "kind": "leads", "spec": MAPPING}),
        content_type="application/json",
    )
    assert saved.status_code == 201

    job = run_import(mapping_id=str(saved.json()["id"]), dry_run="1")

    assert job["mapping"]["columns"] == MAPPING["columns"]
    assert (job["status"], job["created"]) == ("dry_run", 2)


def test_imports_are_listed_newest_first_a_page_at_a_time(owner_api, import_owner):
    ids = [
        ImportJob.objects.create(
            kind="leads", source_name=f"{n}.csv", source_sha256="0" * 64, source_size=1,
            status=ImportStatus.DONE, created_by=import_owner, started_at=timezone.now(),
        ).pk
        for n in range(3)
    ]  # fmt: skip

    first = owner_api.get("/api/v1/imports", {"limit": 2}).json()
    second = owner_api.get("/api/v1/imports", {"limit": 2, "cursor": first["next_cursor"]}).json()

    assert [j["id"] for j in first["items"]] == [ids[2], ids[1]]
    assert [j["id"] for j in second["items"]] == [ids[0]]
    assert second["next_cursor"] is None


def test_the_fields_of_a_kind_with_its_presets(owner_api):
    body = owner_api.get("/api/v1/imports/fields/campaigns").json()

    assert [f["name"] for f in body["fields"]] == [
        "name", "channel", "product_line", "budget", "starts_on", "ends_on", "owner",
    ]  # fmt: skip
    assert body["fields"][0] == {
        "name": "name",
        "type": "text",
        "help": "The campaign's name; the key campaigns are matched by.",
        "required": True,
        "max_length": 200,
    }
    assert body["presets"]["hubspot"] == {
        "Contact owner": "owner", "Campaign Name": "name", "Campaign Type": "channel",
        "Budget": "budget", "Start Date": "starts_on", "End Date": "ends_on",
    }  # fmt: skip
    assert body["facts"] is False
    assert "DD/MM/YYYY" in body["date_formats"]
    assert error_of(owner_api.get("/api/v1/imports/fields/spaceships"))[:3] == (
        404,
        "not_found",
        "kind",
    )


def test_saved_mappings_are_created_read_listed_and_replaced(owner_api, import_owner):
    body = {"name": "Leads", "kind": "leads", "spec": MAPPING}
    created = owner_api.post("/api/v1/import-mappings", body, content_type="application/json")
    mapping_id = created.json()["id"]
    body["spec"] = {"columns": {"Email": "email"}}

    replaced = owner_api.put(
        f"/api/v1/import-mappings/{mapping_id}", body, content_type="application/json"
    )

    assert created.status_code == 201 and replaced.status_code == 200
    assert replaced.json()["spec"]["columns"] == {"Email": "email"}
    assert owner_api.get(f"/api/v1/import-mappings/{mapping_id}").json()["name"] == "Leads"
    assert [m["id"] for m in owner_api.get("/api/v1/import-mappings").json()["items"]] == [
        mapping_id
    ]
    events = Event.objects.filter(kind="import_mapping.saved").order_by("seq")
    assert [(e.actor_id, e.payload["created"]) for e in events] == [
        (import_owner.pk, True),
        (import_owner.pk, False),
    ]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"name": "Leads", "kind": "spaceships", "spec": {}}, (400, "invalid_mapping", "kind")),
        (
            {"name": "Leads", "kind": "leads", "spec": {"columns": {"Email": 7}}},
            (400, "invalid_mapping", "mapping.columns"),
        ),
        (
            {"name": "Leads", "kind": "leads", "spec": {"colour": "red"}},
            (400, "invalid_mapping", "mapping.colour"),
        ),
        ({"name": "", "kind": "leads", "spec": {}}, (422, "invalid", "name")),
        ({"name": "Taken", "kind": "leads", "spec": {}}, (409, "conflict", "name")),
    ],
)
def test_a_bad_saved_mapping_is_refused_and_nothing_saved(owner_api, body, expected):
    ImportMapping.objects.create(
        name="Taken", kind="leads", spec={}, created_at=timezone.now(), updated_at=timezone.now()
    )

    response = owner_api.post("/api/v1/import-mappings", body, content_type="application/json")

    assert error_of(response)[:3] == expected
    assert ImportMapping.objects.count() == 1
    assert not Event.objects.filter(kind="import_mapping.saved").exists()


def test_renaming_a_mapping_onto_another_is_a_conflict(owner_api):
    now = timezone.now()
    one = ImportMapping.objects.create(name="One", kind="leads", created_at=now, updated_at=now)
    ImportMapping.objects.create(name="Two", kind="leads", created_at=now, updated_at=now)

    response = owner_api.put(
        f"/api/v1/import-mappings/{one.pk}",
        {"name": "Two", "kind": "leads", "spec": {}},
        content_type="application/json",
    )

    assert error_of(response)[:3] == (409, "conflict", "name")
    one.refresh_from_db()
    assert one.name == "One"


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        ({"kind": "spaceships"}, (400, "invalid_mapping", "kind")),
        ({"mapping": "{not json"}, (400, "invalid_mapping", "mapping")),
        ({"mapping": "[1, 2]"}, (400, "invalid_mapping", "mapping")),
        (
            {"mapping": json.dumps({"columns": {"Nope": "email"}})},
            (400, "invalid_mapping", "mapping.columns.Nope"),
        ),
        (
            {"mapping": json.dumps({"columns": {"Email": "shoe_size"}})},
            (400, "invalid_mapping", "mapping.columns.Email"),
        ),
        ({"dry_run": "maybe"}, (400, "invalid", "dry_run")),
        ({"skip_bad_rows": "2"}, (400, "invalid", "skip_bad_rows")),
        ({"colour": "red"}, (400, "unknown_field", "colour")),
        ({"preset": "zoho"}, (400, "invalid_mapping", "preset")),
        ({"mapping_id": "abc"}, (400, "invalid", "mapping_id")),
        ({"mapping_id": "999"}, (404, "not_found", "mapping_id")),
    ],
)
def test_bad_upload_parts_are_refused_and_nothing_is_created(
    post_import, nothing_changes, parts, expected
):
    response = post_import(**parts)

    assert error_of(response)[:3] == expected
    nothing_changes()


def test_dates_that_read_two_ways_are_refused_until_the_mapping_says_which(
    post_import, nothing_changes
):
    text = "Email,Create Date\nann@example.com,03-04-2018\n"

    response = post_import(text)

    status, code, field, message = error_of(response)
    assert (status, code, field) == (400, "invalid_mapping", "mapping.formats.Create Date")
    assert message.startswith("Column 'Create Date' has dates that read as DD-MM-YYYY or MM-")
    nothing_changes()


def test_an_empty_file_is_refused(post_import, nothing_changes):
    response = post_import(b"")

    assert error_of(response) == (400, "empty_file", "file", "The file is empty.")
    nothing_changes()


def test_an_unreadable_file_is_refused_by_its_own_name(post_import, nothing_changes):
    response = post_import(b"\xd0\xcf\x11\xe0 old excel")

    assert error_of(response) == (
        400,
        "unreadable_file",
        "file",
        "leads.csv is an old Excel .xls file: save it as .xlsx or CSV.",
    )
    nothing_changes()


def test_a_mapping_part_that_is_not_utf8_is_refused(
    owner_api, import_file, nothing_changes, tmp_path
):
    (tmp_path / "mapping.json").write_bytes(b'{"columns": {"E\xffmail": "email"}}')
    with open(import_file(), "rb") as data, open(tmp_path / "mapping.json", "rb") as mapping:
        response = owner_api.post(
            "/api/v1/imports", {"kind": "leads", "file": data, "mapping": mapping}
        )

    assert error_of(response) == (
        400,
        "invalid_mapping",
        "mapping",
        "The mapping is not UTF-8 text.",
    )
    nothing_changes()


def test_a_mapping_field_that_is_not_utf8_is_refused(owner_api, nothing_changes):
    boundary = "XyZ"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\nleads\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="mapping"\r\n\r\n'
        ).encode()
        + b'{"columns": {"\xff": "email"}}'
        + (
            f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="a.csv"\r\nContent-Type: text/csv\r\n\r\n'
            f"Email\r\na@x.io\r\n--{boundary}--\r\n"
        ).encode()
    )

    response = owner_api.post(
        "/api/v1/imports", body, content_type=f"multipart/form-data; boundary={boundary}"
    )

    assert error_of(response)[:3] == (400, "invalid_mapping", "mapping")
    nothing_changes()


def test_a_missing_file_part_or_a_json_body_is_refused(owner_api, nothing_changes):
    no_file = owner_api.post("/api/v1/imports", {"kind": "leads"})
    as_json = owner_api.post("/api/v1/imports", {"kind": "leads"}, content_type="application/json")
    broken = owner_api.post(
        "/api/v1/imports", b"--x\r\nnonsense", content_type="multipart/form-data"
    )

    assert error_of(no_file) == (
        400,
        "missing",
        "file",
        "Send the file to import as a multipart part named `file`.",
    )
    assert error_of(as_json)[:3] == (400, "invalid_mapping", "kind")
    assert error_of(broken)[:2] == (400, "malformed_body")
    nothing_changes()


def test_an_upload_over_the_limit_is_413_and_not_kept(post_import, nothing_changes, settings):
    settings.TRUCE_IMPORT_MAX_UPLOAD_BYTES = 64

    response = post_import()

    assert error_of(response) == (
        413,
        "too_large",
        "file",
        "The file is larger than the 64 bytes an upload may be "
        "(TRUCE_IMPORT_MAX_UPLOAD_BYTES); split it, or import it with `truce import`.",
    )
    nothing_changes()


def test_a_mapping_for_another_kind_is_refused(post_import, nothing_changes):
    now = timezone.now()
    other = ImportMapping.objects.create(
        name="Camps", kind="campaigns", spec={}, created_at=now, updated_at=now
    )

    response = post_import(mapping_id=str(other.pk))

    assert error_of(response)[:3] == (400, "invalid_mapping", "mapping_id")
    nothing_changes()


@pytest.mark.parametrize("role", [Role.SALES_REP, Role.VIEWER, Role.MARKETER])
def test_roles_that_may_not_import_get_403_everywhere(
    api_as, make_user, role, post_import, nothing_changes
):
    client = api_as(make_user(role))
    now = timezone.now()
    mapping = ImportMapping.objects.create(name="M", kind="leads", created_at=now, updated_at=now)
    body = {"name": "N", "kind": "leads", "spec": {}}

    answers = [
        post_import(client=client).status_code,
        client.get("/api/v1/imports").status_code,
        client.get("/api/v1/imports/1").status_code,
        client.get("/api/v1/imports/1/bad-rows.csv").status_code,
        client.get("/api/v1/imports/fields/leads").status_code,
        client.get("/api/v1/import-mappings").status_code,
        client.get(f"/api/v1/import-mappings/{mapping.pk}").status_code,
        client.post("/api/v1/import-mappings", body, content_type="application/json").status_code,
        client.put(
            f"/api/v1/import-mappings/{mapping.pk}", body, content_type="application/json"
        ).status_code,
    ]

    assert answers == [403] * 9
    assert list(ImportMapping.objects.values_list("name", flat=True)) == ["M"]
    nothing_changes()


def test_without_credentials_the_api_answers_401(nothing_changes):
    assert Client().get("/api/v1/imports").status_code == 401
    assert Client().post("/api/v1/imports", {"kind": "leads"}).status_code == 401
    nothing_changes()


def test_the_upload_endpoint_is_documented_as_multipart(db):
    paths = Client().get("/api/v1/openapi.json").json()["paths"]

    body = paths["/api/v1/imports"]["post"]["requestBody"]["content"]["multipart/form-data"]
    assert body["schema"]["required"] == ["kind", "file"]
    assert set(paths["/api/v1/import-mappings/{mapping_id}"]) == {"get", "put"}


def test_a_signed_in_browser_uploads_with_its_csrf_token(
    import_owner, import_file, django_capture_on_commit_callbacks, nothing_changes
):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(import_owner)
    browser.get("/imports/")
    token = browser.cookies["csrftoken"].value
    with open(import_file(), "rb") as handle:
        refused = browser.post("/api/v1/imports", {"kind": "leads", "file": handle})
    broken = browser.post(
        "/api/v1/imports",
        b"--x\r\nnonsense",
        content_type="multipart/form-data",  # no boundary: unreadable
        headers={"X-CSRFToken": token},
    )

    assert error_of(refused)[:2] == (403, "csrf_failed")
    assert error_of(broken)[:2] == (400, "malformed_body")
    nothing_changes()
    with open(import_file(), "rb") as handle, django_capture_on_commit_callbacks(execute=True):
        accepted = browser.post(
            "/api/v1/imports",
            {"kind": "leads", "file": handle, "dry_run": "true"},
            headers={"X-CSRFToken": token},
        )
    assert accepted.status_code == 202
    assert ImportJob.objects.get().status == ImportStatus.DRY_RUN


def test_a_dry_run_of_the_olist_mql_file(owner_api, django_capture_on_commit_callbacks):
    mapping = {
        "columns": {
            "mql_id": "external_id",
            "first_contact_date": "created_at",
            "origin": "source",
            "landing_page_id": "facts.landing_page_id",
        }
    }
    path = str(OLIST / "marketing_qualified_leads.csv")
    with open(path, "rb") as handle, django_capture_on_commit_callbacks(execute=True):
        response = owner_api.post(
            "/api/v1/imports",
            {"kind": "leads", "file": handle, "mapping": json.dumps(mapping), "dry_run": "true"},
        )

    job = owner_api.get(f"/api/v1/imports/{response.json()['id']}").json()
    assert (job["status"], job["rows_total"], job["source_name"]) == (
        "dry_run",
        8000,
        "marketing_qualified_leads.csv",
    )
    assert (job["created"], job["updated"], job["unchanged"], job["bad"]) == (8000, 0, 0, 0)
    assert ImportJob.objects.get().spec["formats"] == {"first_contact_date": "DD-MM-YYYY"}
    assert Lead.objects.count() == 0
