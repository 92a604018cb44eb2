from datetime import UTC, datetime, timedelta

import pytest

from tests.api.conftest import error_of
from truce.agreements.models import Agreement, Calendar
from truce.agreements.services import clocks

PARIS_HOURS = [{"start": "09:00", "end": "12:00"}, {"start": "13:00", "end": "17:00"}]
SLA_BODY = {
    "title": "Q1 SLA",
    "effective_from": "2026-01-01",
    "commitments": [
        {"kind": "mql_volume", "target": 120, "period": "month"},
        {"kind": "first_touch", "target": 95, "hours": 4, "escalate_after_hours": 8},
    ],
}


def test_owners_create_a_calendar_and_sign_an_agreement_into_force(client_for, owners):
    marketing, sales = client_for(owners[0]), client_for(owners[1])
    calendar = marketing.post(
        "/calendars",
        {
            "name": "Paris",
            "time_zone": "Europe/Paris",
            "hours": PARIS_HOURS,
            "holiday_country": "FR",
        },
    )
    assert calendar.status_code == 201
    assert calendar.json()["working_days"] == [0, 1, 2, 3, 4]

    proposed = marketing.post("/agreements", {**SLA_BODY, "calendar_id": calendar.json()["id"]})
    assert proposed.status_code == 201
    assert proposed.json()["status"] == "awaiting_signatures"
    assert [c["kind"] for c in proposed.json()["commitments"]] == ["mql_volume", "first_touch"]
    assert proposed.json()["commitments"][1]["team"] == "sales"

    marketing.post("/agreements/1/sign")
    signed = sales.post("/agreements/1/sign")

    assert signed.status_code == 200
    body = signed.json()
    assert (body["status"], body["marketing_signed_by"], body["sales_signed_by"]) == (
        "in_force",
        "vp_marketing",
        "vp_sales",
    )
    assert marketing.get("/agreements/in-force").json()["version"] == 1


def test_a_rep_cannot_sign_and_nothing_changes(client_for, make_agreement, rep, event_count):
    make_agreement(sign=False)
    rep_api = client_for(rep)
    before = event_count()

    response = rep_api.post("/agreements/1/sign")

    assert response.status_code == 403
    assert error_of(response)["code"] == "permission_denied"
    assert Agreement.objects.get().marketing_signed_by is None
    assert event_count() == before


@pytest.mark.parametrize(
    ("commitment", "field"),
    [
        ({"kind": "first_touch", "target": 95}, "commitments[0].hours"),
        ({"kind": "mql_volume", "target": -1}, "commitments[0].target"),
        ({"kind": "nope", "target": 1}, "commitments[0].kind"),
    ],
)
def test_bad_commitments_get_a_400_naming_the_field(
    client_for, owners, always_open, commitment, field
):
    response = client_for(owners[0]).post(
        "/agreements", {**SLA_BODY, "calendar_id": always_open.pk, "commitments": [commitment]}
    )

    assert response.status_code == 400
    assert (error_of(response)["code"], response.json()["field"]) == ("invalid_commitment", field)
    assert Agreement.objects.count() == 0


def test_an_overlapping_calendar_is_refused(client_for, owners):
    response = client_for(owners[0]).post(
        "/calendars",
        {
            "name": "Bad",
            "hours": [{"start": "09:00", "end": "13:00"}, {"start": "12:00", "end": "17:00"}],
        },
    )

    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field"]) == ("invalid_calendar", "hours")
    assert Calendar.objects.count() == 0


def test_unknown_versions_calendars_and_no_agreement_in_force_are_404s(api):
    assert error_of(api.get("/agreements/7"))["code"] == "not_found"
    assert api.get("/agreements/in-force").status_code == 404
    response = api.post("/agreements", {**SLA_BODY, "calendar_id": 999})
    assert (response.status_code, response.json()["field"]) == (404, "calendar_id")


def test_a_lead_lists_its_clocks(api, make_agreement, make_lead, rep):
    make_agreement([{"kind": "first_touch", "target": 100, "hours": 4}])
    lead = make_lead("mql")
    start = datetime(2026, 11, 2, 9, tzinfo=UTC)
    clocks.on_owner_changed(lead=lead, owner=rep, at=start)

    items = api.get(f"/leads/{lead.pk}/clocks").json()["items"]

    assert [(i["commitment"], i["state"], i["owner"]) for i in items] == [
        ("first_touch", "running", "rep")
    ]
    assert items[0]["due_at"] == (start + timedelta(hours=4)).isoformat().replace("+00:00", "Z")
