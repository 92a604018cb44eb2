"""Contacts and companies: list, search, read, create (deduplicated), update, merge."""

from truce.funnel.models import Lead
from truce.people.models import Company, Contact

from .conftest import error_of


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def test_contact_list_search_and_pages(api, make_contact):
    ada = make_contact(email="ada@example.com", first_name="Ada")
    bob = make_contact(email="bob@example.com", first_name="Bob")
    cyd = make_contact(email="cyd@example.com", first_name="Cyd")

    first = api.get("/contacts", {"limit": 2})
    second = api.get("/contacts", {"limit": 2, "cursor": first.json()["next_cursor"]})

    assert ids(first) == [cyd.pk, bob.pk]
    assert ids(second) == [ada.pk]
    assert second.json()["next_cursor"] is None
    assert ids(api.get("/contacts", {"q": "ada"})) == [ada.pk]
    assert ids(api.get("/contacts", {"q": "BOB@"})) == [bob.pk]


def test_contact_read(api, make_contact, make_company):
    company = make_company(name="Acme", domain="acme.example")
    contact = make_contact(
        email="ada@acme.example", first_name="Ada", last_name="L", company=company
    )

    response = api.get(f"/contacts/{contact.pk}")

    assert response.status_code == 200
    body = response.json()
    assert {k: body[k] for k in ("id", "email", "name", "first_name", "last_name")} == {
        "id": contact.pk,
        "email": "ada@acme.example",
        "name": "Ada L",
        "first_name": "Ada",
        "last_name": "L",
    }
    assert body["company"] == {"id": company.pk, "name": "Acme", "domain": "acme.example"}
    assert body["merged_into_id"] is None


def test_contact_create_is_201_then_200_for_the_same_email(api, make_company, event_count):
    company = make_company()
    before = event_count()

    created = api.post(
        "/contacts", {"email": "Ada@Example.com", "first_name": "Ada", "company_id": company.pk}
    )
    again = api.post("/contacts", {"email": " ada@example.com ", "first_name": "Other"})

    assert created.status_code == 201
    assert created.json()["company"]["id"] == company.pk
    assert again.status_code == 200
    assert again.json()["id"] == created.json()["id"]
    assert again.json()["first_name"] == "Ada"
    assert Contact.objects.count() == 1
    assert event_count() == before + 1


def test_contact_create_with_bad_email_or_company(api, event_count):
    before = event_count()

    bad_email = api.post("/contacts", {"email": "not-an-email"})
    bad_company = api.post("/contacts", {"email": "a@example.com", "company_id": 999})

    assert bad_email.status_code == 400
    assert (error_of(bad_email)["code"], error_of(bad_email)["field"]) == ("invalid_email", "email")
    assert bad_company.status_code == 404
    assert error_of(bad_company)["field"] == "company_id"
    assert Contact.objects.count() == 0
    assert event_count() == before


def test_contact_update(api, make_contact, make_company):
    contact = make_contact(first_name="Ada")
    company = make_company()

    response = api.patch(f"/contacts/{contact.pk}", {"title": "CTO", "company_id": company.pk})

    assert response.status_code == 200
    assert (response.json()["title"], response.json()["first_name"]) == ("CTO", "Ada")
    contact.refresh_from_db()
    assert (contact.title, contact.company) == ("CTO", company)


def test_contact_update_to_a_taken_email_is_refused(api, make_contact, event_count):
    make_contact(email="taken@example.com")
    contact = make_contact(email="mine@example.com")
    before = event_count()

    response = api.patch(f"/contacts/{contact.pk}", {"email": "TAKEN@example.com"})

    assert response.status_code == 400
    assert error_of(response)["code"] == "duplicate_email"
    contact.refresh_from_db()
    assert contact.email == "mine@example.com"
    assert event_count() == before


def test_contact_merge(api, make_contact, make_lead):
    survivor = make_contact(email="a@example.com", first_name="Ada")
    duplicate = make_contact(email="b@example.com", first_name="Ada", phone="123")
    lead = make_lead(contact=duplicate)

    response = api.post(f"/contacts/{survivor.pk}/merge", {"duplicate_id": duplicate.pk})

    assert response.status_code == 200
    assert (response.json()["id"], response.json()["phone"]) == (survivor.pk, "123")
    duplicate.refresh_from_db()
    assert duplicate.merged_into_id == survivor.pk
    assert Lead.objects.get(pk=lead.pk).contact_id == survivor.pk
    assert ids(api.get("/contacts")) == [survivor.pk]


def test_contact_merge_refused(api, make_contact, event_count):
    contact = make_contact()
    before = event_count()

    into_itself = api.post(f"/contacts/{contact.pk}/merge", {"duplicate_id": contact.pk})
    unknown = api.post(f"/contacts/{contact.pk}/merge", {"duplicate_id": 999})
    missing = api.post(f"/contacts/{contact.pk}/merge", {})

    assert (into_itself.status_code, error_of(into_itself)["code"]) == (400, "invalid_merge")
    assert (unknown.status_code, error_of(unknown)["field"]) == (404, "duplicate_id")
    assert (missing.status_code, error_of(missing)["code"]) == (422, "missing")
    assert event_count() == before


def test_rep_may_not_merge(client_for, rep, make_contact, event_count):
    survivor, duplicate = make_contact(), make_contact()
    client = client_for(rep)
    before = event_count()

    response = client.post(f"/contacts/{survivor.pk}/merge", {"duplicate_id": duplicate.pk})

    assert response.status_code == 403
    assert error_of(response)["code"] == "permission_denied"
    duplicate.refresh_from_db()
    assert duplicate.merged_into_id is None
    assert event_count() == before


def test_company_list_search_and_read(api, make_company):
    acme = make_company(name="Acme", domain="acme.example")
    globex = make_company(name="Globex", domain="globex.example")

    assert ids(api.get("/companies")) == [globex.pk, acme.pk]
    assert ids(api.get("/companies", {"q": "acm"})) == [acme.pk]
    assert ids(api.get("/companies", {"q": "globex.ex"})) == [globex.pk]
    body = api.get(f"/companies/{acme.pk}").json()
    assert (body["name"], body["domain"], body["employees"]) == ("Acme", "acme.example", None)


def test_company_create_is_201_then_200_for_the_same_domain(api):
    created = api.post("/companies", {"name": "Acme", "domain": "https://www.Acme.com/about"})
    again = api.post("/companies", {"name": "Acme Inc", "domain": "acme.com"})

    assert created.status_code == 201
    assert created.json()["domain"] == "acme.com"
    assert again.status_code == 200
    assert again.json()["id"] == created.json()["id"]
    assert Company.objects.count() == 1


def test_company_create_refused(api):
    bad_domain = api.post("/companies", {"name": "Acme", "domain": "not a domain"})
    no_name = api.post("/companies", {"domain": "acme.com"})
    negative = api.post("/companies", {"name": "Acme", "employees": -1})

    assert error_of(bad_domain)["code"] == "invalid_domain"
    assert (no_name.status_code, error_of(no_name)["field"]) == (422, "name")
    assert (negative.status_code, error_of(negative)["field"]) == (422, "employees")
    assert Company.objects.count() == 0


def test_company_update(api, make_company):
    company = make_company(name="Acme")

    response = api.patch(f"/companies/{company.pk}", {"employees": 250, "industry": "Software"})

    assert response.status_code == 200
    assert (response.json()["employees"], response.json()["name"]) == (250, "Acme")
    company.refresh_from_db()
    assert (company.employees, company.industry) == (250, "Software")


def test_company_merge(api, make_company, make_contact):
    survivor = make_company(name="Acme")
    duplicate = make_company(name="Acme Corp", industry="Software")
    contact = make_contact(company=duplicate)

    response = api.post(f"/companies/{survivor.pk}/merge", {"duplicate_id": duplicate.pk})

    assert response.status_code == 200
    assert response.json()["industry"] == "Software"
    contact.refresh_from_db()
    assert contact.company_id == survivor.pk
    duplicate.refresh_from_db()
    assert duplicate.merged_into_id == survivor.pk


def test_viewer_cannot_write_people(viewer, client_for, make_contact, event_count):
    contact = make_contact(first_name="Ada")
    client = client_for(viewer)
    before = event_count()

    responses = [
        client.post("/contacts", {"email": "new@example.com"}),
        client.patch(f"/contacts/{contact.pk}", {"first_name": "Eve"}),
        client.post("/companies", {"name": "New"}),
    ]

    assert [r.status_code for r in responses] == [403, 403, 403]
    assert Contact.objects.count() == 1
    assert Company.objects.count() == 0
    contact.refresh_from_db()
    assert contact.first_name == "Ada"
    assert event_count() == before
