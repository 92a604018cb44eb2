"""Every error has one JSON shape with a stable code; bad input is never a 500."""

import pytest

from truce.funnel.models import Lead
from truce.people.models import Contact

from .conftest import error_of


def test_malformed_json_is_400(api, event_count):
    before = event_count()

    response = api.post("/contacts", "{not json")

    assert response.status_code == 400
    assert error_of(response) == {
        "code": "malformed_json",
        "field": None,
        "message": "The request body is not valid JSON.",
        "errors": [
            {
                "code": "malformed_json",
                "field": None,
                "message": "The request body is not valid JSON.",
            }
        ],
    }
    assert event_count() == before


def test_json_that_is_not_an_object_is_422(api):
    response = api.post("/contacts", "[1, 2]")

    assert response.status_code == 422
    assert error_of(response)["code"] == "invalid"


def test_wrong_types_list_every_field(api, make_contact):
    contact = make_contact()

    response = api.post(
        "/leads", {"contact_id": contact.pk, "score": "high", "facts": [1], "amount": "ten"}
    )

    assert response.status_code == 422
    body = error_of(response)
    assert [(e["code"], e["field"]) for e in body["errors"]] == [
        ("invalid", "score"),
        ("invalid", "facts"),
        ("invalid", "amount"),
    ]
    assert Lead.objects.count() == 0


def test_missing_field_is_422_missing(api):
    response = api.post("/leads", {"source": "web"})

    assert response.status_code == 422
    body = error_of(response)
    assert (body["code"], body["field"]) == ("missing", "contact_id")


def test_nested_field_path_is_dotted(api, make_lead):
    lead = make_lead()

    response = api.post(f"/leads/{lead.pk}/outcome", {"outcome": "maybe"})

    assert response.status_code == 422
    body = error_of(response)
    assert (body["code"], body["field"]) == ("invalid", "outcome")


def test_unknown_body_field_is_refused(api):
    response = api.post("/contacts", {"email": "a@example.com", "emial": "typo"})

    assert response.status_code == 422
    assert (error_of(response)["code"], error_of(response)["field"]) == ("unknown_field", "emial")
    assert Contact.objects.count() == 0


@pytest.mark.parametrize(
    "path", ["/leads/999", "/contacts/999", "/companies/999", "/campaigns/999", "/touches/999"]
)
def test_unknown_id_is_404(api, path):
    response = api.get(path)

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_path_id_of_wrong_type_is_422(api):
    response = api.get("/leads/abc")

    assert response.status_code == 422
    assert error_of(response)["field"] == "lead_id"


def test_unknown_url_is_404(api):
    response = api.get("/nothing/here")

    assert response.status_code == 404
    body = error_of(response)
    assert body["code"] == "not_found"
    assert body["message"] == "No API endpoint at /api/v1/nothing/here."


def test_wrong_method_is_405(api, make_lead):
    lead = make_lead()

    response = api.delete(f"/leads/{lead.pk}")

    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"
    assert response["Allow"] == "GET, PATCH"
    assert Lead.objects.filter(pk=lead.pk).exists()


@pytest.mark.parametrize("cursor", ["!!", "bm9wZQ", "MA", "LTE"])
def test_bad_cursor_is_400(api, cursor):
    response = api.get("/leads", {"cursor": cursor})

    assert response.status_code == 400
    body = error_of(response)
    assert (body["code"], body["field"]) == ("invalid_cursor", "cursor")


@pytest.mark.parametrize("limit", ["0", "201", "-1", "many"])
def test_limit_out_of_range_is_422(api, limit):
    response = api.get("/contacts", {"limit": limit})

    assert response.status_code == 422
    body = error_of(response)
    assert (body["code"], body["field"]) == ("invalid", "limit")


def test_too_long_value_is_422_not_a_database_error(api):
    response = api.post("/contacts", {"email": "a@example.com", "country": "FRA"})

    assert response.status_code == 422
    assert error_of(response)["field"] == "country"
    assert Contact.objects.count() == 0


def test_duplicate_unique_value_is_409_not_500(api, make_lead, make_contact, event_count):
    make_lead(external_id="crm-1")
    contact = make_contact()
    before = event_count()

    response = api.post("/leads", {"contact_id": contact.pk, "external_id": "crm-1"})

    assert response.status_code == 409
    assert error_of(response)["code"] == "conflict"
    assert Lead.objects.count() == 1
    assert event_count() == before


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/leads/99999999999999999999999", "lead_id"),
        ("/leads/0", "lead_id"),
        ("/touches?lead_id=99999999999999999999999", "lead_id"),
        ("/leads?campaign_id=-1", "campaign_id"),
    ],
)
def test_ids_out_of_range_are_422(api, path, field):
    response = api.get(path)

    assert response.status_code == 422
    assert (error_of(response)["code"], error_of(response)["field"]) == ("invalid", field)


def test_body_id_out_of_range_is_422(api):
    response = api.post("/leads", {"contact_id": 2**64})

    assert response.status_code == 422
    assert error_of(response)["field"] == "contact_id"
    assert Lead.objects.count() == 0


def test_cursor_beyond_any_id_is_400(api):
    import base64

    cursor = base64.urlsafe_b64encode(b"9" * 40).decode()

    response = api.get("/leads", {"cursor": cursor})

    assert (response.status_code, error_of(response)["code"]) == (400, "invalid_cursor")


def test_api_root_is_a_json_404(api):
    response = api.get("/")

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_openapi_document_refuses_writes(api):
    response = api.post("/openapi.json", {})

    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"
    assert response["Allow"] == "GET, HEAD"


def test_options_is_405(api):
    response = api.client.options("/api/v1/leads")

    assert response.status_code == 405
    assert response["Allow"] == "GET, POST"


def test_empty_or_non_object_body_is_422_on_the_body(api, make_lead, event_count):
    lead = make_lead()
    before = event_count()

    empty = api.post(f"/leads/{lead.pk}/move", "")
    null = api.post(f"/leads/{lead.pk}/move", "null")

    assert (empty.status_code, error_of(empty)["code"], error_of(empty)["field"]) == (
        422,
        "missing",
        None,
    )
    assert (null.status_code, error_of(null)["code"], error_of(null)["field"]) == (
        422,
        "invalid",
        None,
    )
    assert error_of(null)["message"] == "The request needs a JSON object as its body."
    assert event_count() == before
