"""Leads: list with filters, search and cursor pages; read; create; update."""

from datetime import timedelta

import pytest
from django.utils import timezone

from truce.funnel.models import Lead

from .conftest import error_of

LEAD_KEYS = {
    "id",
    "contact",
    "company",
    "source",
    "campaign_id",
    "owner",
    "stage",
    "stage_entered_at",
    "score",
    "facts",
    "product_line",
    "amount",
    "outcome",
    "outcome_reason",
    "outcome_at",
    "touch_count",
    "sales_touch_count",
    "first_touch_at",
    "last_touch_at",
    "first_sales_touch_at",
    "external_id",
    "created_at",
    "updated_at",
}


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def test_list_is_newest_first_with_the_full_shape(api, make_lead, make_company, make_contact, rep):
    # given
    company = make_company(name="Acme", domain="acme.example")
    contact = make_contact(
        email="ada@acme.example", first_name="Ada", last_name="Lovelace", company=company
    )
    older = make_lead()
    newer = make_lead(contact=contact, owner=rep, source="web", amount="1200.5", facts={"a": 1})
    # when
    response = api.get("/leads")
    # then
    assert ids(response) == [newer.pk, older.pk]
    assert response.json()["next_cursor"] is None
    item = response.json()["items"][0]
    assert set(item) == LEAD_KEYS
    assert item["contact"] == {
        "id": contact.pk,
        "email": "ada@acme.example",
        "name": "Ada Lovelace",
    }
    assert item["company"] == {"id": company.pk, "name": "Acme", "domain": "acme.example"}
    assert (item["owner"], item["stage"], item["source"]) == ("rep", "lead", "web")
    assert (item["amount"], item["facts"], item["outcome"]) == ("1200.50", {"a": 1}, "open")
    assert item["outcome_reason"] is None
    assert response.json()["items"][1]["company"] is None
    assert response.json()["items"][1]["owner"] is None


def test_cursor_walks_every_page_once(api, make_lead):
    made = [make_lead().pk for _ in range(7)]
    seen, cursor, pages = [], None, 0

    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        response = api.get("/leads", params)
        seen += ids(response)
        pages += 1
        cursor = response.json()["next_cursor"]
        if cursor is None:
            break

    assert pages == 3
    assert seen == sorted(made, reverse=True)


def test_exact_last_page_has_no_next_cursor(api, make_lead):
    for _ in range(2):
        make_lead()

    response = api.get("/leads", {"limit": 2})

    assert len(ids(response)) == 2
    assert response.json()["next_cursor"] is None


def test_filters(api, make_lead, make_campaign, rep, stage):
    campaign = make_campaign()
    by_stage = make_lead(stage_key="mql")
    by_owner = make_lead(owner=rep)
    by_source = make_lead(source="webinar")
    by_campaign = make_lead(campaign=campaign)
    by_line = make_lead(product_line="cloud")
    unassigned = {by_stage.pk, by_source.pk, by_campaign.pk, by_line.pk}

    assert ids(api.get("/leads", {"stage": "mql"})) == [by_stage.pk]
    assert ids(api.get("/leads", {"owner": "rep"})) == [by_owner.pk]
    assert set(ids(api.get("/leads", {"owner": "none"}))) == unassigned
    assert ids(api.get("/leads", {"source": "webinar"})) == [by_source.pk]
    assert ids(api.get("/leads", {"campaign_id": campaign.pk})) == [by_campaign.pk]
    assert ids(api.get("/leads", {"product_line": "cloud"})) == [by_line.pk]
    assert ids(api.get("/leads", {"stage": "mql", "owner": "rep"})) == []


def test_outcome_filter(api, make_lead, admin_user):
    from truce.funnel import services

    lost = make_lead()
    services.set_outcome(lead=lost, outcome="lost", reason="price", actor=admin_user)
    still_open = make_lead()

    assert ids(api.get("/leads", {"outcome": "lost"})) == [lost.pk]
    assert ids(api.get("/leads", {"outcome": "open"})) == [still_open.pk]
    assert error_of(api.get("/leads", {"outcome": "maybe"}))["field"] == "outcome"


def test_created_between(api, make_lead):
    now = timezone.now()
    old = make_lead(created_at=now - timedelta(days=10))
    recent = make_lead(created_at=now - timedelta(days=1))
    cut = (now - timedelta(days=5)).isoformat()

    assert ids(api.get("/leads", {"created_after": cut})) == [recent.pk]
    assert ids(api.get("/leads", {"created_before": cut})) == [old.pk]


def test_search_by_email_name_or_company(api, make_lead, make_contact, make_company):
    company = make_company(name="Globex")
    ada = make_lead(contact=make_contact(email="ada@x.example", last_name="Lovelace"))
    grace = make_lead(contact=make_contact(email="grace@y.example", company=company))

    assert ids(api.get("/leads", {"q": "ADA@"})) == [ada.pk]
    assert ids(api.get("/leads", {"q": "love"})) == [ada.pk]
    assert ids(api.get("/leads", {"q": "glob"})) == [grace.pk]
    assert ids(api.get("/leads", {"q": "zzz"})) == []


def test_list_is_two_queries_with_a_token(api, make_lead, django_assert_num_queries, rep):
    for _ in range(5):
        make_lead(owner=rep, source="web")

    # one for the token (and its user), one for the page
    with django_assert_num_queries(2):
        response = api.get("/leads", {"limit": 3})

    assert len(ids(response)) == 3


def test_read(api, make_lead):
    lead = make_lead(score=42)

    response = api.get(f"/leads/{lead.pk}")

    assert response.status_code == 200
    assert response.json()["id"] == lead.pk
    assert response.json()["score"] == 42
    assert set(response.json()) == LEAD_KEYS


def test_create(api, make_contact, make_campaign, rep, event_count):
    # given
    contact = make_contact()
    campaign = make_campaign()
    before = event_count()
    # when
    response = api.post(
        "/leads",
        {
            "contact_id": contact.pk,
            "stage": "mql",
            "source": "web",
            "campaign_id": campaign.pk,
            "owner": "rep",
            "score": 55,
            "facts": {"employees": 120},
            "product_line": "cloud",
            "amount": "99.90",
            "external_id": "ext-7",
        },
    )
    # then
    assert response.status_code == 201
    body = response.json()
    lead = Lead.objects.get()
    assert body["id"] == lead.pk
    assert (body["stage"], body["owner"], body["campaign_id"]) == ("mql", "rep", campaign.pk)
    assert (body["score"], body["facts"], body["amount"]) == (55, {"employees": 120}, "99.90")
    assert (lead.owner, lead.campaign, lead.external_id) == (rep, campaign, "ext-7")
    assert event_count() == before + 2  # lead.created and lead.assigned


def test_create_with_defaults_starts_in_the_first_stage(api, make_contact):
    response = api.post("/leads", {"contact_id": make_contact().pk})

    assert response.status_code == 201
    assert response.json()["stage"] == "subscriber"


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"contact_id": 999}, 404, "contact_id"),
        ({"stage": "nowhere"}, 404, "stage"),
        ({"owner": "ghost"}, 404, "owner"),
        ({"campaign_id": 999}, 404, "campaign_id"),
        ({"stage": "customer"}, 409, "stage"),
    ],
)
def test_create_with_unknown_reference(api, make_contact, event_count, body, status, field):
    contact = make_contact()
    before = event_count()

    response = api.post("/leads", {"contact_id": contact.pk, **body})

    assert response.status_code == status
    assert error_of(response)["field"] == field
    assert Lead.objects.count() == 0
    assert event_count() == before


def test_create_that_fails_the_entry_criterion(api, make_contact, event_count):
    contact = make_contact(email="")
    before = event_count()

    response = api.post("/leads", {"contact_id": contact.pk, "stage": "lead"})

    assert response.status_code == 409
    body = error_of(response)
    assert (body["code"], body["field"]) == ("entry_criterion_failed", "stage")
    assert "Has an email address" in body["message"]
    assert Lead.objects.count() == 0
    assert event_count() == before


def test_update(api, make_lead, rep, event_count):
    lead = make_lead(source="web", score=1)
    before = event_count()

    response = api.patch(f"/leads/{lead.pk}", {"score": 70, "owner": "rep", "amount": 10})

    assert response.status_code == 200
    body = response.json()
    assert (body["score"], body["owner"], body["amount"], body["source"]) == (
        70,
        "rep",
        "10.00",
        "web",
    )
    lead.refresh_from_db()
    assert (lead.score, lead.owner) == (70, rep)
    assert event_count() == before + 2  # lead.updated and lead.assigned


def test_update_unassigns_with_null_owner(api, make_lead, rep):
    lead = make_lead(owner=rep)

    response = api.patch(f"/leads/{lead.pk}", {"owner": None})

    assert response.json()["owner"] is None


def test_update_cannot_change_the_stage(api, make_lead, event_count):
    lead = make_lead()
    before = event_count()

    response = api.patch(f"/leads/{lead.pk}", {"stage": "mql"})

    assert response.status_code == 422
    assert (error_of(response)["code"], error_of(response)["field"]) == ("unknown_field", "stage")
    lead.refresh_from_db()
    assert lead.stage.key == "lead"
    assert event_count() == before


def test_update_null_for_a_required_field_is_422(api, make_lead):
    lead = make_lead(source="web")

    response = api.patch(f"/leads/{lead.pk}", {"source": None})

    assert response.status_code == 422
    assert error_of(response)["field"] == "source"
    lead.refresh_from_db()
    assert lead.source == "web"


def test_viewer_cannot_create_or_update(viewer, client_for, make_lead, make_contact, event_count):
    # given
    lead = make_lead(score=5)
    contact = make_contact()
    client = client_for(viewer)
    before = event_count()
    # when
    created = client.post("/leads", {"contact_id": contact.pk})
    updated = client.patch(f"/leads/{lead.pk}", {"score": 99})
    # then
    assert (created.status_code, updated.status_code) == (403, 403)
    assert error_of(created)["code"] == "permission_denied"
    assert Lead.objects.count() == 1
    lead.refresh_from_db()
    assert lead.score == 5
    assert event_count() == before


def test_viewer_can_read(viewer, client_for, make_lead):
    lead = make_lead()

    assert ids(client_for(viewer).get("/leads")) == [lead.pk]
