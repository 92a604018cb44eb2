"""Managing web forms through the API and the pages: who may, what is checked, what is logged."""

import pytest
from django.test import Client

from tests.conftest import PASSWORD
from truce.identity.models import Role
from truce.ledger.models import Event
from truce.webtolead.models import WebForm


@pytest.fixture
def signed_in():
    def make(user) -> Client:
        client = Client()
        assert client.login(username=user.username, password=PASSWORD)
        return client

    return make


def test_a_marketer_creates_a_form_through_the_api(marketer, api_for, make_campaign, settings):
    settings.TRUCE_BASE_URL = "https://crm.example.com"
    campaign = make_campaign(name="Spring")

    response = api_for(marketer).post(
        "/webforms",
        {
            "name": " Demo request ",
            "default_campaign_id": campaign.pk,
            "fields": ["message", "first_name"],
            "allowed_origins": ["https://WWW.Example.com/"],
            "redirect_url": "https://www.example.com/thanks",
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    form = WebForm.objects.get()
    assert (body["id"], body["key"], len(form.key)) == (form.pk, form.key, 24)
    assert (form.name, form.default_source, form.default_campaign) == (
        "Demo request",
        "web_form",
        campaign,
    )
    assert form.fields == ["first_name", "message"]  # in the form's order
    assert form.allowed_origins == ["https://www.example.com"]
    assert body["submit_url"] == f"https://crm.example.com/f/{form.key}/"
    assert f'action="https://crm.example.com/f/{form.key}/"' in body["snippet"]
    event = Event.objects.get(kind="webform.created")
    assert (event.actor, event.subject_id) == (marketer, form.pk)
    assert event.payload == {
        "key": form.key,
        "name": "Demo request",
        "default_source": "web_form",
        "default_campaign": campaign.pk,
        "fields": ["first_name", "message"],
        "allowed_origins": ["https://www.example.com"],
        "redirect_url": "https://www.example.com/thanks",
        "thank_you_message": "",
        "is_enabled": True,
    }


def test_the_snippet_hides_the_honeypot_and_carries_the_utm_script(make_form, settings):
    settings.TRUCE_BASE_URL = "https://crm.example.com"
    form = make_form(fields=["first_name", "message"])

    from truce.webtolead.snippet import render_snippet

    html = render_snippet(form)
    honeypot = html[html.index("<div style=") : html.index("</div>")]
    assert 'aria-hidden="true"' in honeypot and "left:-10000px" in honeypot
    assert 'name="website" type="text" value="" tabindex="-1" autocomplete="off"' in honeypot
    assert '<label for="truce-' + form.key + '-first_name">First name</label>' in html
    assert "<textarea" in html and 'name="phone"' not in html
    for name in ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"):
        assert f'<input type="hidden" name="{name}" value="">' in html
    assert "URLSearchParams(window.location.search)" in html
    assert "http" not in html.replace("https://crm.example.com/f/", "")  # no external script


@pytest.mark.parametrize("role", [Role.SALES_REP, Role.SALES_OWNER, Role.VIEWER])
def test_sales_roles_and_viewers_may_not_manage_forms(make_user, api_for, web_form, error_of, role):
    client = api_for(make_user(role))
    before = Event.objects.count()

    created = client.post("/webforms", {"name": "Mine"})
    listed = client.get("/webforms")
    read = client.get(f"/webforms/{web_form.pk}")
    patched = client.patch(f"/webforms/{web_form.pk}", {"name": "Taken"})

    for response in (created, listed, read, patched):
        assert error_of(response) == (403, "permission_denied", None)
    assert list(WebForm.objects.values_list("name", flat=True)) == ["Contact us"]
    assert Event.objects.count() == before


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({"name": "X", "allowed_origins": ["www.example.com"]}, 400, "invalid", "allowed_origins"),
        (
            {"name": "X", "allowed_origins": ["https://a.example/path"]},
            400,
            "invalid",
            "allowed_origins",
        ),
        ({"name": "X", "redirect_url": "javascript:alert(1)"}, 400, "invalid", "redirect_url"),
        ({"name": "X", "fields": ["shoe_size"]}, 422, "invalid", "fields.0"),
        ({"name": "X", "default_campaign_id": 999}, 404, "not_found", "default_campaign_id"),
        ({"name": ""}, 422, "invalid", "name"),
        ({"name": "   "}, 400, "invalid", "name"),
        ({"name": "X", "colour": "red"}, 422, "unknown_field", "colour"),
        ({"default_source": "x"}, 422, "missing", "name"),
    ],
)
def test_bad_form_settings_are_refused(marketer, api_for, error_of, body, status, code, field):
    client = api_for(marketer)
    before = Event.objects.count()

    response = client.post("/webforms", body)

    assert error_of(response) == (status, code, field)
    assert WebForm.objects.count() == 0
    assert Event.objects.count() == before


def test_list_read_and_update_a_form(marketer, api_for, make_form):
    first, second = make_form(name="First"), make_form(name="Second")
    client = api_for(marketer)

    listed = client.get("/webforms", {"limit": 1})
    response = client.patch(
        f"/webforms/{first.pk}", {"is_enabled": False, "thank_you_message": "Thanks!"}
    )
    again = client.patch(f"/webforms/{first.pk}", {"is_enabled": False})

    assert [f["name"] for f in listed.json()["items"]] == ["Second"]
    assert listed.json()["next_cursor"] is not None
    assert client.get(f"/webforms/{second.pk}").json()["name"] == "Second"
    assert response.status_code == 200
    assert (response.json()["is_enabled"], response.json()["thank_you_message"]) == (
        False,
        "Thanks!",
    )
    assert again.status_code == 200
    updates = list(Event.objects.filter(kind="webform.updated"))
    assert len(updates) == 1  # the second change changed nothing
    assert updates[0].payload == {
        "changes": {"is_enabled": [True, False], "thank_you_message": ["", "Thanks!"]}
    }


def test_a_bad_update_changes_nothing(marketer, api_for, web_form, error_of):
    client = api_for(marketer)
    before = Event.objects.count()

    response = client.patch(
        f"/webforms/{web_form.pk}", {"name": "Renamed", "allowed_origins": ["ftp://x.example"]}
    )

    assert error_of(response) == (400, "invalid", "allowed_origins")
    assert WebForm.objects.get(pk=web_form.pk).name == "Contact us"
    assert Event.objects.count() == before


def test_an_unknown_form_id_is_404(marketer, api_for, error_of):
    assert error_of(api_for(marketer).get("/webforms/999")) == (404, "not_found", "form_id")


def test_the_pages_for_marketing(marketer, signed_in, web_form):
    client = signed_in(marketer)

    listing = client.get("/webforms/")
    edit = client.get(f"/webforms/{web_form.pk}/")

    assert listing.status_code == 200 and b"Contact us" in listing.content
    assert edit.status_code == 200
    html = edit.content.decode()
    assert '<label for="snippet">Snippet</label>' in html
    assert "Copy snippet" in html
    assert f"/f/{web_form.key}/" in html


def test_the_pages_are_closed_to_sales_and_to_strangers(rep, signed_in, web_form):
    client = signed_in(rep)

    assert client.get("/webforms/").status_code == 403
    assert client.get("/webforms/new/").status_code == 403
    assert client.post(f"/webforms/{web_form.pk}/", {"name": "Mine"}).status_code == 403
    assert Client().get("/webforms/").status_code == 302
    assert WebForm.objects.get().name == "Contact us"


def test_create_and_edit_a_form_on_the_page(marketer, signed_in, make_campaign):
    campaign = make_campaign(name="Spring")
    client = signed_in(marketer)

    created = client.post(
        "/webforms/new/",
        {
            "name": "Whitepaper",
            "default_source": "website",
            "default_campaign": campaign.pk,
            "asks_for": ["first_name", "company"],
            "allowed_origins": "https://www.example.com\nhttps://shop.example.com",
            "is_enabled": "on",
        },
    )
    form = WebForm.objects.get()
    edited = client.post(
        f"/webforms/{form.pk}/",
        {"name": "Whitepaper 2", "default_source": "website", "asks_for": ["first_name"]},
    )

    assert (created.status_code, created["Location"]) == (302, f"/webforms/{form.pk}/")
    assert edited.status_code == 302
    form.refresh_from_db()
    assert (form.name, form.fields, form.default_campaign, form.is_enabled) == (
        "Whitepaper 2",
        ["first_name"],
        None,
        False,
    )
    assert form.allowed_origins == []
    assert Event.objects.filter(kind__startswith="webform.").count() == 2


def test_a_refused_page_edit_shows_why_beside_the_field(marketer, signed_in, web_form):
    client = signed_in(marketer)
    before = Event.objects.count()

    response = client.post(
        f"/webforms/{web_form.pk}/",
        {"name": "Renamed", "default_source": "web_form", "allowed_origins": "not-an-origin"},
    )

    assert response.status_code == 400
    assert "is not an origin" in response.content.decode()
    assert WebForm.objects.get(pk=web_form.pk).name == "Contact us"
    assert Event.objects.count() == before


def test_the_list_page_and_api_take_as_many_queries_for_one_form_as_for_five(
    marketer, signed_in, api_for, make_form, make_campaign
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client, api = signed_in(marketer), api_for(marketer)
    make_form(name="Form 0", default_campaign=make_campaign())

    def queries(fetch) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert fetch().status_code == 200
        return len(captured)

    one = (queries(lambda: client.get("/webforms/")), queries(lambda: api.get("/webforms")))
    for n in range(1, 5):
        make_form(name=f"Form {n}", default_campaign=make_campaign())
    five = (queries(lambda: client.get("/webforms/")), queries(lambda: api.get("/webforms")))

    assert one == five


@pytest.mark.parametrize("role", [Role.ADMIN, Role.MARKETING_OWNER])
def test_admins_and_marketing_owners_manage_forms(make_user, api_for, role):
    client = api_for(make_user(role))

    created = client.post("/webforms", {"name": f"By {role}"})

    assert created.status_code == 201
    assert client.get("/webforms").json()["items"][0]["name"] == f"By {role}"
