"""Exports of lists and reports: columns, exact values, filters, formula neutralisation, errors."""

import csv
import io
import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from truce.agreements import scoreboard
from truce.assignment.selectors import queue_for
from truce.funnel import services as funnel_services
from truce.funnel.services import disposition
from truce.identity import services as identity_services
from truce.identity.models import Role
from truce.ledger.models import Event
from truce.people import services as people_services
from truce.touches import services as touch_services
from truce.transfer import export

CREATED = datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=UTC)
FORMULA = '=HYPERLINK("http://x","y")'


def utc(moment):
    return moment.astimezone(UTC).isoformat() if moment else ""


@pytest.fixture
def world(make_company, make_contact, make_lead, make_campaign, rep, marketer, admin_user):
    """Two leads: Ada's (MQL, owned by Rita, from a campaign) and one with a formula name."""
    acme = make_company(name="Acme Corp", domain="acme.example", employees=250, country="GB")
    ada = make_contact(
        email="ada@acme.example", first_name="Ada", last_name="Lovelace", company=acme
    )
    mallory = make_contact(email="mallory@evil.example", first_name=FORMULA, last_name="+1")
    campaign = make_campaign(
        name="Spring webinar", channel="webinar", budget=Decimal("1200.50"), product_line="Platform"
    )
    ada_lead = make_lead(
        "mql",
        contact=ada,
        owner=rep,
        source="webinar",
        score=55,
        campaign=campaign,
        facts={"employees": 250, "ratio": 0.25, "city": "Zürich"},
        product_line="Platform",
        amount=Decimal("9000.00"),
        created_at=CREATED,
    )
    cold_lead = make_lead("lead", contact=mallory, source="-cold", score=-5, created_at=CREATED)
    touch = touch_services.record_touch(
        lead=ada_lead, kind="call", actor=rep, channel="phone", note="@ mention", campaign=campaign
    )
    ada_lead.refresh_from_db()
    return {
        "acme": acme,
        "ada": ada,
        "mallory": mallory,
        "campaign": campaign,
        "ada_lead": ada_lead,
        "cold_lead": cold_lead,
        "touch": touch,
    }


def run_cli(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("export", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def csv_rows(text):
    return list(csv.reader(io.StringIO(text)))


def api_client(user):
    token = identity_services.create_api_token(user=user, name="export tests")[1]
    return Client(headers={"Authorization": f"Bearer {token}"})


def body_of(response):
    assert response.streaming
    return b"".join(response.streaming_content).decode()


def test_leads_csv_has_every_column_with_exact_values(world, rep):
    out, err = run_cli("leads", "--stage", "mql")
    lead, campaign = world["ada_lead"], world["campaign"]
    header, *rows = csv_rows(out)
    assert header == [c.name for c in export.LEAD_COLUMNS]
    assert len(rows) == 1
    assert dict(zip(header, rows[0], strict=True)) == {
        "id": str(lead.pk),
        "contact_id": str(world["ada"].pk),
        "contact_email": "ada@acme.example",
        "contact_first_name": "Ada",
        "contact_last_name": "Lovelace",
        "company_id": str(world["acme"].pk),
        "company_domain": "acme.example",
        "company_name": "Acme Corp",
        "source": "webinar",
        "campaign_id": str(campaign.pk),
        "campaign_name": "Spring webinar",
        "owner_id": str(rep.pk),
        "owner_username": "rep",
        "stage_key": "mql",
        "stage_entered_at": "2026-03-02T09:30:15.123456+00:00",
        "score": "55",
        "fit_score": "0",
        "engagement_score": "0",
        "qualified_at": utc(lead.qualified_at),
        "qualified_by_version": "",
        "assigned_at": utc(lead.assigned_at),
        "disposition": "",
        "disposition_reason_key": "",
        "disposition_at": "",
        "product_line": "Platform",
        "amount": "9000.00",
        "outcome": "open",
        "outcome_reason_key": "",
        "outcome_at": "",
        "touch_count": "1",
        "sales_touch_count": "1",
        "first_touch_at": utc(world["touch"].occurred_at),
        "last_touch_at": utc(world["touch"].occurred_at),
        "first_sales_touch_at": utc(world["touch"].occurred_at),
        "facts": '{"city":"Zürich","employees":250,"ratio":0.25}',
        "external_id": "",
        "created_at": "2026-03-02T09:30:15.123456+00:00",
        "updated_at": utc(lead.updated_at),
    }
    assert err == "Exported 1 row of leads.\n"


def test_csv_neutralises_formulas_but_keeps_negative_numbers(world):
    out, _ = run_cli("leads", "--stage", "lead")
    header, row = csv_rows(out)
    cells = dict(zip(header, row, strict=True))
    assert cells["contact_first_name"] == "'" + FORMULA
    assert cells["contact_last_name"] == "'+1"
    assert cells["source"] == "'-cold"  # text that looks like a formula is text
    assert cells["score"] == "-5"  # a number in a numeric column is a number


def test_json_keeps_values_as_they_are(world):
    out, _ = run_cli("leads", "--stage", "lead", "--format", "json")
    [item] = json.loads(out)
    assert item["contact_first_name"] == FORMULA
    assert item["source"] == "-cold"
    assert item["score"] == -5
    assert item["amount"] is None
    assert item["facts"] == {}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+44 20", "'+44 20"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_every_formula_start_is_neutralised_in_text_columns(text, expected):
    assert export.csv_cell(text, export.Column("x", "x")) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(-5, "-5"), (Decimal("-12.50"), "-12.50"), ("-3.5", "-3.5"), ("-1+1", "'-1+1")],
)
def test_numeric_columns_exempt_only_plain_numbers(value, expected):
    assert export.csv_cell(value, export.Column("x", "x", "decimal")) == expected


def test_contacts_json_from_the_api(world, rep):
    response = api_client(rep).get("/api/v1/export/contacts", {"format": "json", "q": "ada"})
    assert response.status_code == 200
    ada = world["ada"]
    assert json.loads(body_of(response)) == [
        {
            "id": ada.pk,
            "email": "ada@acme.example",
            "first_name": "Ada",
            "last_name": "Lovelace",
            "phone": "",
            "title": "",
            "country": "",
            "company_id": world["acme"].pk,
            "company_domain": "acme.example",
            "company_name": "Acme Corp",
            "merged_into_id": None,
            "created_at": utc(ada.created_at),
            "updated_at": utc(ada.updated_at),
        }
    ]


def test_companies_csv(world):
    out, _ = run_cli("companies", "--q", "acme")
    acme = world["acme"]
    assert csv_rows(out) == [
        [c.name for c in export.COMPANY_COLUMNS],
        [
            str(acme.pk),
            "Acme Corp",
            "acme.example",
            "",
            "250",
            "GB",
            "",
            utc(acme.created_at),
            utc(acme.updated_at),
        ],
    ]


def test_touches_jsonl(world, rep):
    out, _ = run_cli("touches", "--format", "jsonl", "--kind", "call")
    touch = world["touch"]
    assert [json.loads(line) for line in out.splitlines()] == [
        {
            "id": touch.pk,
            "lead_id": world["ada_lead"].pk,
            "contact_id": world["ada"].pk,
            "contact_email": "ada@acme.example",
            "kind": "call",
            "team": "sales",
            "channel": "phone",
            "campaign_id": world["campaign"].pk,
            "campaign_name": "Spring webinar",
            "actor_id": rep.pk,
            "actor_username": "rep",
            "occurred_at": utc(touch.occurred_at),
            "collateral": "",
            "note": "@ mention",
            "created_at": utc(touch.created_at),
        }
    ]
    out, _ = run_cli("touches", "--kind", "demo")
    assert csv_rows(out) == [[c.name for c in export.TOUCH_COLUMNS]]


def test_campaigns_csv(world, marketer):
    out, _ = run_cli("campaigns")
    campaign = world["campaign"]
    assert csv_rows(out)[1:] == [
        [
            str(campaign.pk),
            "Spring webinar",
            "webinar",
            "Platform",
            "1200.50",
            "",
            "",
            "",
            "",
            utc(campaign.created_at),
            utc(campaign.updated_at),
        ]
    ]


def test_events_export_is_the_ledger_in_order(world):
    lead = world["ada_lead"]
    out, _ = run_cli("events", "--format", "json", "--lead-id", str(lead.pk))
    items = json.loads(out)
    events = list(Event.objects.filter(lead_id=lead.pk).order_by("seq"))
    assert [i["seq"] for i in items] == [e.seq for e in events]
    assert [i["hash"] for i in items] == [e.hash for e in events]
    first = items[0]
    assert first["kind"] == "lead.created"
    assert first["subject_type"] == "lead"
    assert first["subject_id"] == lead.pk
    assert first["payload"] == events[0].payload
    assert first["payload"]["facts"] == {"employees": 250, "ratio": 0.25, "city": "Zürich"}
    assert first["imported"] is False
    assert set(first) == {c.name for c in export.EVENT_COLUMNS}


def test_scoreboard_export_is_the_report(world, make_agreement):
    make_agreement()  # signed now, so in force this month
    period = scoreboard.parse_period("")
    out, _ = run_cli("scoreboard", "--period", period.key)
    board = scoreboard.scoreboard(period=period)
    header, *rows = csv_rows(out)
    assert header == [c.name for c in export.SCOREBOARD_COLUMNS]
    flat = scoreboard.flat_rows(board)
    assert len(rows) == len(flat) > 0
    first = dict(zip(header, rows[0], strict=True))
    assert first["period"] == period.key
    assert first["team"] == flat[0]["team"]
    assert first["commitment"] == flat[0]["commitment"] == "mql_volume"
    assert first["target"] == flat[0]["target"]
    assert first["actual"] == (flat[0]["actual"] or "")


def test_lead_filters_match_the_list_api(world, rep, make_lead):
    client = api_client(rep)
    for params in (
        {"owner": "rep"},
        {"owner": "none"},
        {"source": "webinar"},
        {"campaign_id": str(world["campaign"].pk)},
        {"q": "Love"},
        {"outcome": "won"},
        {"created_after": "2026-03-02T09:30:16Z"},
    ):
        exported = json.loads(
            body_of(client.get("/api/v1/export/leads", {"format": "json", **params}))
        )
        listed = client.get("/api/v1/leads", params).json()["items"]
        assert sorted(i["id"] for i in exported) == sorted(i["id"] for i in listed), params
    by_owner = json.loads(
        body_of(client.get("/api/v1/export/leads", {"format": "json", "owner": "rep"}))
    )
    assert [i["id"] for i in by_owner] == [world["ada_lead"].pk]


def test_merged_contacts_only_with_include_merged(world, admin_user, make_contact):
    twin = make_contact(email="ada.twin@acme.example", first_name="Ada")
    people_services.merge_contacts(survivor=world["ada"], duplicate=twin, actor=admin_user)
    out, _ = run_cli("contacts", "--q", "ada", "--format", "json")
    assert [i["email"] for i in json.loads(out)] == ["ada@acme.example"]
    out, _ = run_cli("contacts", "--q", "ada", "--format", "json", "--include-merged", "true")
    assert [i["email"] for i in json.loads(out)] == ["ada@acme.example", "ada.twin@acme.example"]


def test_the_api_streams_with_a_download_name(world, rep, monkeypatch):
    monkeypatch.setattr(export, "FLUSH_CHARS", 100)
    response = api_client(rep).get("/api/v1/export/events")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="truce-events-')
    assert disposition.endswith('.csv"')
    chunks = list(response.streaming_content)
    assert len(chunks) > 3  # written as it is read, not built whole
    rows = csv_rows(b"".join(chunks).decode())
    assert len(rows) == Event.objects.count() + 1


def test_formats_have_their_content_types(world, rep):
    client = api_client(rep)
    json_response = client.get("/api/v1/export/campaigns", {"format": "json"})
    assert json_response["Content-Type"] == "application/json"
    jsonl_response = client.get("/api/v1/export/campaigns", {"format": "jsonl"})
    assert jsonl_response["Content-Type"] == "application/x-ndjson"
    assert jsonl_response["Content-Disposition"].endswith('.jsonl"')


def test_an_empty_json_export_is_an_empty_array(rep):
    assert json.loads(body_of(api_client(rep).get("/api/v1/export/leads?format=json"))) == []


def error_of(response):
    body = response.json()
    assert set(body) == {"code", "field", "message", "errors"}
    return body


@pytest.mark.parametrize(
    ("path", "status", "code", "field", "message"),
    [
        (
            "/api/v1/export/deals",
            404,
            "unknown_kind",
            "kind",
            "Nothing called 'deals' can be exported; choose one of contacts, companies, "
            "leads, queue, touches, campaigns, events, scoreboard.",
        ),
        (
            "/api/v1/export/leads?format=xlsx",
            422,
            "unknown_format",
            "format",
            "'xlsx' is not an export format; choose one of csv, json, jsonl.",
        ),
        (
            "/api/v1/export/leads?stage=mql&colour=red",
            422,
            "unknown_filter",
            "colour",
            "leads exports take no filter 'colour' (they take: q, stage, outcome, owner, "
            "source, campaign_id, product_line, created_after, created_before).",
        ),
        (
            "/api/v1/export/leads?campaign_id=abc",
            422,
            "invalid_filter",
            "campaign_id",
            "campaign_id must be a positive whole number (an id).",
        ),
        (
            "/api/v1/export/leads?outcome=maybe",
            422,
            "invalid_filter",
            "outcome",
            "outcome must be one of open, won, lost, recycled, disqualified.",
        ),
        (
            "/api/v1/export/touches?occurred_after=yesterday",
            422,
            "invalid_filter",
            "occurred_after",
            "occurred_after must be a date and time in ISO 8601, e.g. 2026-11-01T00:00:00Z.",
        ),
        (
            "/api/v1/export/scoreboard?period=2026-Q9",
            422,
            "invalid_period",
            "period",
            "'2026-Q9' is not a period: give a month (2026-11), a quarter (2026-Q4) or an ISO "
            "week (2026-W48).",
        ),
    ],
)
def test_bad_requests_get_the_error_shape(world, rep, path, status, code, field, message):
    events = Event.objects.count()
    response = api_client(rep).get(path)
    assert response.status_code == status
    assert not response.streaming
    body = error_of(response)
    assert (body["code"], body["field"], body["message"]) == (code, field, message)
    assert Event.objects.count() == events + 1  # the token's own event; the export wrote none


def test_the_api_needs_a_signed_in_caller(world):
    response = Client().get("/api/v1/export/leads")
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthenticated"


def test_a_deactivated_users_token_exports_nothing(world, make_user):
    leaver = make_user(Role.SALES_REP, username="leaver")
    client = api_client(leaver)
    type(leaver).objects.filter(pk=leaver.pk).update(is_active=False)  # no service for it yet
    response = client.get("/api/v1/export/leads")
    assert response.status_code == 401


def test_cli_errors_are_command_errors(world):
    with pytest.raises(CommandError, match="Nothing called 'deals' can be exported"):
        run_cli("deals")
    with pytest.raises(CommandError, match="leads exports take no filter 'lead_id'"):
        run_cli("leads", "--lead-id", "1")
    with pytest.raises(CommandError, match="'xml' is not an export format"):
        run_cli("leads", "--format", "xml")
    with pytest.raises(CommandError, match="Say what to export"):
        run_cli()


def test_cli_says_when_it_cannot_write(world, tmp_path):
    with pytest.raises(CommandError) as refused:
        run_cli("leads", "--output", str(tmp_path / "missing" / "leads.csv"))
    assert str(refused.value) == (
        f"Cannot write {tmp_path / 'missing' / 'leads.csv'}: No such file or directory."
    )


def test_cli_writes_to_a_file(world, tmp_path):
    target = tmp_path / "leads.csv"
    out, err = run_cli("leads", "--output", str(target))
    assert out == ""
    assert err == "Exported 2 rows of leads.\n"
    rows = csv_rows(target.read_text(encoding="utf-8"))
    assert [r[0] for r in rows] == ["id", str(world["ada_lead"].pk), str(world["cold_lead"].pk)]


def test_the_lead_list_links_to_exports_with_its_filters(world, rep, client):
    client.force_login(rep)
    page = client.get("/", {"stage": "mql", "owner": "rep"})
    html = page.content.decode()
    assert 'href="/export/leads/?format=csv&amp;stage=mql&amp;owner=rep"' in html
    assert 'href="/export/leads/?format=json&amp;stage=mql&amp;owner=rep"' in html
    response = client.get("/export/leads/?format=csv&stage=mql&owner=rep")
    assert response.status_code == 200
    rows = csv_rows(body_of(response))
    assert [r[0] for r in rows] == ["id", str(world["ada_lead"].pk)]


def test_the_page_download_refuses_bad_input_with_a_page(world, rep, client):
    client.force_login(rep)
    response = client.get("/export/leads/?format=csv&colour=red")
    assert response.status_code == 422
    assert "leads exports take no filter &#x27;colour&#x27;" in response.content.decode()


def test_the_page_download_needs_a_login(world, client):
    response = client.get("/export/leads/?format=csv")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_the_scoreboard_links_to_its_export(world, rep, client, make_agreement):
    make_agreement()
    key = scoreboard.parse_period("").key
    client.force_login(rep)
    html = client.get("/scoreboard/", {"period": key}).content.decode()
    assert f'href="/export/scoreboard/?format=csv&amp;period={key}"' in html
    response = client.get(f"/export/scoreboard/?format=json&period={key}")
    items = json.loads(body_of(response))
    assert {i["period"] for i in items} == {key}
    assert items[0]["commitment"] == "mql_volume"


def test_lead_changes_do_not_disturb_an_export_definition(world, admin_user, stage):
    """Renaming a stage keeps its key, so exports filtered by key keep working."""
    funnel_services.move_lead(lead=world["ada_lead"], stage=stage("sal"), actor=admin_user)
    out, _ = run_cli("leads", "--stage", "sal", "--format", "json")
    assert [i["id"] for i in json.loads(out)] == [world["ada_lead"].pk]


def test_the_queue_export_is_the_callers_queue_in_its_order(world, rep, make_lead):
    won = make_lead("mql", owner=rep)
    funnel_services.set_outcome(lead=won, outcome="won", amount=Decimal("1"), actor=rep)
    disposition.accept_lead(lead=world["ada_lead"], actor=rep)  # accepted: after the awaiting
    awaiting = make_lead("mql", owner=rep)
    make_lead("mql")  # nobody's
    exported = json.loads(body_of(api_client(rep).get("/api/v1/export/queue?format=json")))
    assert [i["id"] for i in exported] == [awaiting.pk, world["ada_lead"].pk]
    assert list(queue_for(user=rep).values_list("pk", flat=True)) == [i["id"] for i in exported]
    assert set(exported[0]) == {c.name for c in export.LEAD_COLUMNS}


def test_the_queue_page_links_to_its_export(world, rep, client):
    client.force_login(rep)
    html = client.get("/queue/").content.decode()
    assert 'href="/export/queue/?format=csv"' in html
    rows = csv_rows(body_of(client.get("/export/queue/?format=csv")))
    assert [r[0] for r in rows] == ["id", str(world["ada_lead"].pk)]


def test_the_cli_has_no_queue_of_its_own(world):
    with pytest.raises(CommandError) as refused:
        run_cli("queue")
    assert str(refused.value) == (
        "The queue is a person's own: export it signed in (the API or the page); from the "
        "command line use `truce export leads --owner USERNAME`."
    )
