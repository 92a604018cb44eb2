"""Idempotency-Key on creates: a retry replays the first answer and creates nothing new."""

from truce.api.models import IdempotencyRecord
from truce.funnel.models import Lead
from truce.people.models import Contact

from .conftest import error_of


def test_replay_returns_the_first_answer_without_creating(api, make_contact, event_count):
    contact = make_contact()
    body = {"contact_id": contact.pk, "source": "web"}
    first = api.post("/leads", body, **{"Idempotency-Key": "abc-1"})
    before = event_count()

    again = api.post("/leads", body, **{"Idempotency-Key": "abc-1"})

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Lead.objects.count() == 1
    assert event_count() == before


def test_replay_keeps_a_200_from_deduplication(api, make_contact):
    make_contact(email="ada@example.com")

    first = api.post("/contacts", {"email": "ada@example.com"}, **{"Idempotency-Key": "k"})
    again = api.post("/contacts", {"email": "ada@example.com"}, **{"Idempotency-Key": "k"})

    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json()["id"] == first.json()["id"]


def test_same_key_with_another_body_is_422(api, event_count):
    api.post("/contacts", {"email": "ada@example.com"}, **{"Idempotency-Key": "k"})
    before = event_count()

    response = api.post("/contacts", {"email": "bob@example.com"}, **{"Idempotency-Key": "k"})

    assert response.status_code == 422
    body = error_of(response)
    assert (body["code"], body["field"]) == ("idempotency_key_reused", "Idempotency-Key")
    assert list(Contact.objects.values_list("email", flat=True)) == ["ada@example.com"]
    assert event_count() == before


def test_same_key_on_another_endpoint_is_reused(api):
    api.post("/companies", {"name": "Acme"}, **{"Idempotency-Key": "k"})

    response = api.post("/campaigns", {"name": "Acme", "channel": "x"}, **{"Idempotency-Key": "k"})

    assert error_of(response)["code"] == "idempotency_key_reused"


def test_keys_are_per_user(client_for, admin_user, make_user):
    other = make_user(username="other")
    body = {"email": "ada@example.com"}

    first = client_for(admin_user).post("/contacts", body, **{"Idempotency-Key": "k"})
    second = client_for(other).post("/contacts", body, **{"Idempotency-Key": "k"})

    assert (first.status_code, second.status_code) == (201, 200)
    assert IdempotencyRecord.objects.count() == 2


def test_a_refused_create_stores_no_record_and_can_be_retried(api, make_contact, admin_user):
    contact = make_contact(email="")
    body = {"contact_id": contact.pk, "stage": "lead"}

    refused = api.post("/leads", body, **{"Idempotency-Key": "k"})

    assert refused.status_code == 409
    assert IdempotencyRecord.objects.count() == 0
    from truce.people import services

    services.update_contact(contact=contact, actor=admin_user, changes={"email": "a@example.com"})
    retried = api.post("/leads", body, **{"Idempotency-Key": "k"})
    assert retried.status_code == 201
    assert Lead.objects.count() == 1


def test_without_a_key_each_post_creates(api):
    api.post("/companies", {"name": "A"})
    api.post("/companies", {"name": "A"})

    assert IdempotencyRecord.objects.count() == 0
    assert list(api.get("/companies").json()["items"][0]) != []
