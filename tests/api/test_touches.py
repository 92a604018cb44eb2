"""Campaigns and touches: list, search, read, create, update."""

from datetime import timedelta

from django.utils import timezone

from truce.funnel.models import Lead
from truce.touches.models import Campaign, Touch

from .conftest import error_of


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def test_campaign_list_search_pages_and_read(api, make_campaign):
    spring = make_campaign(name="Spring webinar")
    summer = make_campaign(name="Summer ads")

    first = api.get("/campaigns", {"limit": 1})
    second = api.get("/campaigns", {"limit": 1, "cursor": first.json()["next_cursor"]})

    assert (ids(first), ids(second)) == ([summer.pk], [spring.pk])
    assert second.json()["next_cursor"] is None
    assert ids(api.get("/campaigns", {"q": "webin"})) == [spring.pk]
    body = api.get(f"/campaigns/{spring.pk}").json()
    assert (body["name"], body["channel"], body["budget"], body["owner"]) == (
        "Spring webinar",
        "paid_search",
        "0.00",
        None,
    )


def test_campaign_create(client_for, marketer, event_count):
    client = client_for(marketer)
    before = event_count()

    response = client.post(
        "/campaigns",
        {
            "name": "Launch",
            "channel": "email",
            "budget": "1500.00",
            "starts_on": "2026-01-01",
            "ends_on": "2026-02-01",
            "owner": "marketer",
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["budget"], body["starts_on"], body["owner"]) == (
        "1500.00",
        "2026-01-01",
        "marketer",
    )
    assert Campaign.objects.get().name == "Launch"
    assert event_count() == before + 1


def test_campaign_create_refused(client_for, marketer, rep, make_campaign, event_count):
    make_campaign(name="Taken")
    marketing, sales = client_for(marketer), client_for(rep)
    before = event_count()

    taken = marketing.post("/campaigns", {"name": "Taken", "channel": "email"})
    backwards = marketing.post(
        "/campaigns",
        {"name": "New", "channel": "email", "starts_on": "2026-02-01", "ends_on": "2026-01-01"},
    )
    by_sales = sales.post("/campaigns", {"name": "Sales", "channel": "email"})
    unknown_owner = marketing.post("/campaigns", {"name": "X", "channel": "e", "owner": "ghost"})

    assert (taken.status_code, error_of(taken)["field"]) == (409, "name")
    assert (backwards.status_code, error_of(backwards)["field"]) == (400, "ends_on")
    assert (by_sales.status_code, error_of(by_sales)["code"]) == (403, "permission_denied")
    assert (unknown_owner.status_code, error_of(unknown_owner)["field"]) == (404, "owner")
    assert Campaign.objects.count() == 1
    assert event_count() == before


def test_campaign_update(client_for, marketer, make_campaign):
    campaign = make_campaign(name="Old")

    response = client_for(marketer).patch(
        f"/campaigns/{campaign.pk}", {"name": "New", "budget": 20}
    )

    assert response.status_code == 200
    assert (response.json()["name"], response.json()["budget"]) == ("New", "20.00")
    campaign.refresh_from_db()
    assert campaign.name == "New"


def test_touch_create_refreshes_the_lead(client_for, rep, make_lead, make_campaign, event_count):
    lead = make_lead(owner=rep)
    campaign = make_campaign()
    client = client_for(rep)
    before = event_count()

    response = client.post(
        "/touches",
        {"lead_id": lead.pk, "kind": "call", "campaign_id": campaign.pk, "note": "Left a message"},
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["kind"], body["team"], body["actor"], body["lead_id"]) == (
        "call",
        "sales",
        "rep",
        lead.pk,
    )
    assert (body["campaign_id"], body["contact_id"]) == (campaign.pk, lead.contact_id)
    lead.refresh_from_db()
    assert (lead.touch_count, lead.sales_touch_count) == (1, 1)
    assert event_count() == before + 1


def test_touch_create_refused(api, make_lead, event_count):
    lead = make_lead()
    future = (timezone.now() + timedelta(days=1)).isoformat()
    before = event_count()

    bad_kind = api.post("/touches", {"lead_id": lead.pk, "kind": "telepathy"})
    no_lead = api.post("/touches", {"lead_id": 999, "kind": "call"})
    in_future = api.post("/touches", {"lead_id": lead.pk, "kind": "call", "occurred_at": future})

    assert (bad_kind.status_code, error_of(bad_kind)["field"]) == (422, "kind")
    assert (no_lead.status_code, error_of(no_lead)["field"]) == (404, "lead_id")
    assert (in_future.status_code, error_of(in_future)["field"]) == (400, "occurred_at")
    assert Touch.objects.count() == 0
    assert Lead.objects.get().touch_count == 0
    assert event_count() == before


def test_touch_list_by_lead_and_read(api, make_lead, admin_user):
    from truce.touches import services

    one, other = make_lead(), make_lead()
    first = services.record_touch(lead=one, kind="email_open", actor=admin_user)
    second = services.record_touch(lead=one, kind="demo", actor=admin_user)
    elsewhere = services.record_touch(lead=other, kind="call", actor=admin_user)

    assert ids(api.get("/touches", {"lead_id": one.pk})) == [second.pk, first.pk]
    assert ids(api.get("/touches")) == [elsewhere.pk, second.pk, first.pk]
    body = api.get(f"/touches/{first.pk}").json()
    assert (body["kind"], body["team"], body["actor"]) == ("email_open", "marketing", "admin")


def test_touch_update(api, make_lead, admin_user):
    from truce.touches import services

    touch = services.record_touch(lead=make_lead(), kind="call", actor=admin_user)

    response = api.patch(f"/touches/{touch.pk}", {"note": "Booked a demo", "channel": "phone"})

    assert response.status_code == 200
    assert (response.json()["note"], response.json()["channel"]) == ("Booked a demo", "phone")
    touch.refresh_from_db()
    assert touch.note == "Booked a demo"


def test_touch_update_cannot_change_kind(api, make_lead, admin_user):
    from truce.touches import services

    touch = services.record_touch(lead=make_lead(), kind="call", actor=admin_user)

    response = api.patch(f"/touches/{touch.pk}", {"kind": "demo"})

    assert (response.status_code, error_of(response)["code"]) == (422, "unknown_field")
    touch.refresh_from_db()
    assert touch.kind == "call"


def test_touch_update_cannot_move_into_the_future(api, make_lead, admin_user, event_count):
    from truce.touches import services

    touch = services.record_touch(lead=make_lead(), kind="call", actor=admin_user)
    when = touch.occurred_at
    before = event_count()
    future = (timezone.now() + timedelta(days=2)).isoformat()

    response = api.patch(f"/touches/{touch.pk}", {"occurred_at": future})

    assert response.status_code == 400
    assert error_of(response)["field"] == "occurred_at"
    touch.refresh_from_db()
    assert touch.occurred_at == when
    assert event_count() == before


def test_viewer_cannot_write_touches_or_campaigns(
    viewer, client_for, make_lead, make_campaign, admin_user, event_count
):
    from truce.touches import services

    lead = make_lead()
    campaign = make_campaign(name="Kept")
    touch = services.record_touch(lead=lead, kind="call", actor=admin_user, note="kept")
    client = client_for(viewer)
    before = event_count()

    responses = [
        client.post("/touches", {"lead_id": lead.pk, "kind": "call"}),
        client.patch(f"/touches/{touch.pk}", {"note": "changed"}),
        client.post("/campaigns", {"name": "New", "channel": "email"}),
        client.patch(f"/campaigns/{campaign.pk}", {"name": "Changed"}),
    ]

    assert [r.status_code for r in responses] == [403, 403, 403, 403]
    assert {error_of(r)["code"] for r in responses} == {"permission_denied"}
    assert Touch.objects.count() == 1
    touch.refresh_from_db()
    campaign.refresh_from_db()
    assert (touch.note, campaign.name, Campaign.objects.count()) == ("kept", "Kept", 1)
    assert event_count() == before
