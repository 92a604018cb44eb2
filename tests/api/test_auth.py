"""Who may call the API: a live bearer token or a signed-in browser session with CSRF."""

from django.test import Client

from truce.funnel.models import Lead
from truce.identity import services as identity_services
from truce.identity.models import ApiToken

from .conftest import ApiClient, error_of


def test_no_credentials_is_401_unauthenticated(db):
    # when
    response = ApiClient(None).get("/leads")
    # then
    assert response.status_code == 401
    body = error_of(response)
    assert body["code"] == "unauthenticated"
    assert body["field"] == "Authorization"


def test_unknown_token_is_401_unauthenticated(db):
    response = ApiClient("truce_not-a-real-token").get("/leads")

    assert response.status_code == 401
    body = error_of(response)
    assert body["code"] == "unauthenticated"
    assert body["message"] == "The API token is unknown or revoked."


def test_revoked_token_is_refused(admin_user, token_for):
    # given a token that worked, then was revoked
    plain = token_for(admin_user)
    assert ApiClient(plain).get("/leads").status_code == 200
    identity_services.revoke_api_token(token=ApiToken.objects.get(), actor=admin_user)
    # when
    response = ApiClient(plain).get("/leads")
    # then
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthenticated"


def test_token_of_inactive_user_is_refused(admin_user, token_for):
    plain = token_for(admin_user)
    admin_user.is_active = False
    admin_user.save(update_fields=["is_active"])

    assert ApiClient(plain).get("/leads").status_code == 401


def test_other_scheme_is_401(admin_user, token_for):
    client = Client(headers={"Authorization": f"Token {token_for(admin_user)}"})

    response = client.get("/api/v1/leads")

    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthenticated"


def test_token_does_not_touch_last_used_at(admin_user, token_for):
    ApiClient(token_for(admin_user)).get("/leads")

    assert ApiToken.objects.get().last_used_at is None


def test_session_reads(admin_user, make_lead):
    # given a signed-in browser
    lead = make_lead()
    client = Client()
    client.force_login(admin_user)
    # when
    response = client.get("/api/v1/leads")
    # then
    assert response.status_code == 200
    assert [item["id"] for item in response.json()["items"]] == [lead.pk]


def test_session_write_without_csrf_token_is_refused(admin_user, make_contact):
    # given a signed-in browser that enforces CSRF like a real one
    contact = make_contact()
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    # when
    response = client.post(
        "/api/v1/leads", {"contact_id": contact.pk}, content_type="application/json"
    )
    # then
    assert response.status_code == 403
    assert error_of(response)["code"] == "csrf_failed"
    assert Lead.objects.count() == 0


def test_session_write_with_csrf_token_is_accepted(admin_user, make_contact):
    contact = make_contact()
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    client.get("/api/v1/docs")  # sets the CSRF cookie, as the docs page does for a browser
    token = client.cookies["csrftoken"].value

    response = client.post(
        "/api/v1/leads",
        {"contact_id": contact.pk},
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )

    assert response.status_code == 201
    assert Lead.objects.count() == 1


def test_bearer_write_needs_no_csrf_token(admin_user, token_for, make_contact):
    contact = make_contact()
    client = Client(
        enforce_csrf_checks=True, headers={"Authorization": f"Bearer {token_for(admin_user)}"}
    )

    response = client.post(
        "/api/v1/leads", {"contact_id": contact.pk}, content_type="application/json"
    )

    assert response.status_code == 201
