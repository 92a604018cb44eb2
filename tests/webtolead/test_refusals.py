"""Bad submissions: a clear error with code, field and reason, and nothing created."""

import pytest

from truce.webtolead import services
from truce.webtolead.models import WebForm

GOOD = {"email": "ada@example.com", "first_name": "Ada"}


@pytest.fixture
def short_form(make_form):
    return make_form(name="Short", fields=["first_name"])


@pytest.fixture
def disabled_form(web_form, marketer):
    return services.update_form(form=web_form, actor=marketer, changes={"is_enabled": False})


@pytest.fixture
def unchanged(counts):
    """Assert at the end of the test that no record of any kind was written."""
    before = counts()
    yield
    assert counts() == before


def html_error(response) -> tuple[int, str]:
    text = response.content.decode()
    assert 'role="alert"' in text
    return response.status_code, text


@pytest.mark.parametrize(
    ("data", "code", "field"),
    [
        ({"first_name": "Ada"}, "required", "email"),
        ({"email": "   "}, "required", "email"),
        ({"email": "not-an-email"}, "invalid_email", "email"),
        ({"email": "a@example.com", "first_name": "x" * 101}, "too_long", "first_name"),
        ({"email": "a@example.com", "phone": "1" * 51}, "too_long", "phone"),
        ({"email": "a@example.com", "message": "m" * 5001}, "too_long", "message"),
        ({"email": "a@example.com", "utm_source": "s" * 65}, "too_long", "utm_source"),
        ({"email": "a@example.com", "utm_term": "t" * 201}, "too_long", "utm_term"),
        ({"email": "a@" + "e" * 250 + ".com"}, "too_long", "email"),
        ({"email": "a@example.com", "country": "United Kingdom"}, "invalid", "country"),
        ({"email": "a@example.com", "last_name": "Nul\x00"}, "invalid", "last_name"),
    ],
)
def test_bad_fields_are_refused_as_json(web_form, visitor, error_of, unchanged, data, code, field):
    response = visitor.post_json(web_form, data)

    assert error_of(response) == (400, code, field)


def test_a_bad_form_post_gets_a_readable_error_page(web_form, visitor, unchanged):
    response = visitor.post(web_form, {"email": "a@example.com", "first_name": "x" * 101})

    status, text = html_error(response)
    assert status == 400
    assert "first_name is longer than 100 characters." in text
    assert "<code>too_long</code>" in text and "<code>first_name</code>" in text


def test_a_missing_email_in_a_form_post(web_form, visitor, unchanged):
    status, text = html_error(visitor.post(web_form, {"first_name": "Ada"}))

    assert status == 400
    assert "An email address is required." in text


def test_the_message_limit_is_a_setting(web_form, visitor, error_of, unchanged, settings):
    settings.TRUCE_WEBFORM_MAX_MESSAGE_CHARS = 10

    response = visitor.post_json(web_form, {"email": "a@example.com", "message": "m" * 11})

    assert error_of(response) == (400, "too_long", "message")
    assert response.json()["message"] == "message is longer than 10 characters."


def test_an_oversize_body_is_413(web_form, visitor, error_of, unchanged, settings):
    settings.TRUCE_WEBFORM_MAX_BODY_BYTES = 200

    as_json = visitor.post_json(web_form, {**GOOD, "message": "m" * 200})
    as_form = visitor.post(web_form, {**GOOD, "message": "m" * 200})

    assert error_of(as_json) == (413, "too_large", None)
    assert as_json.json()["message"] == "The submission is larger than 200 bytes."
    assert html_error(as_form)[0] == 413


def test_the_default_body_limit(web_form, visitor, error_of, unchanged):
    response = visitor.post_json(web_form, {**GOOD, "message": "m" * 17000})

    assert error_of(response) == (413, "too_large", None)


def test_too_many_fields_is_413(web_form, visitor, error_of, unchanged):
    body = "email=a%40example.com&" + "&".join(f"f{n}=" for n in range(1001))

    response = visitor.client.post(
        f"/f/{web_form.key}/", body, content_type="application/x-www-form-urlencoded"
    )

    assert html_error(response)[0] == 413
    assert "The submission has too many fields." in response.content.decode()


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ("{not json", "malformed_json", None),
        ("[1, 2]", "invalid", None),
        ('{"email": "a@example.com", "first_name": 7}', "invalid", "first_name"),
        ('{"email": ["a@example.com"]}', "invalid", "email"),
        ('{"email": "a@example.com", "favourite": "blue"}', "unknown_field", "favourite"),
    ],
)
def test_bad_json_is_refused(web_form, visitor, error_of, unchanged, body, code, field):
    assert error_of(visitor.post_json(web_form, body)) == (400, code, field)


def test_a_field_the_form_does_not_ask_for_is_refused_in_json(
    short_form, visitor, error_of, unchanged
):
    form = short_form
    unchanged_form = WebForm.objects.get(pk=form.pk)

    response = visitor.post_json(form, {**GOOD, "phone": "123"})

    assert error_of(response) == (400, "unknown_field", "phone")
    assert WebForm.objects.get(pk=form.pk).submission_count == unchanged_form.submission_count


def test_another_content_type_is_415(web_form, visitor, error_of, unchanged):
    response = visitor.client.post(
        f"/f/{web_form.key}/", "email=a@example.com", content_type="text/plain"
    )

    assert response.status_code == 415
    assert "application/x-www-form-urlencoded" in response.content.decode()


def test_an_unknown_form_is_404(web_form, visitor, error_of, unchanged):
    as_json = visitor.post_json("no-such-form", GOOD)
    as_form = visitor.post("no-such-form", GOOD)
    page = visitor.client.get("/f/no-such-form/")

    assert error_of(as_json) == (404, "not_found", "key")
    assert html_error(as_form)[0] == 404
    assert page.status_code == 404


def test_a_disabled_form_is_410(disabled_form, visitor, error_of, unchanged):
    form = disabled_form
    before = WebForm.objects.get(pk=form.pk).submission_count

    as_json = visitor.post_json(form, GOOD)
    as_form = visitor.post(form, GOOD)

    assert error_of(as_json) == (410, "form_disabled", "key")
    assert html_error(as_form)[0] == 410
    assert visitor.client.get(f"/f/{form.key}/").status_code == 410
    assert WebForm.objects.get(pk=form.pk).submission_count == before


def test_a_json_post_from_another_origin_is_refused(web_form, visitor, error_of, unchanged):
    response = visitor.post_json(web_form, GOOD, Origin="https://evil.example")

    assert error_of(response) == (403, "origin_not_allowed", "Origin")
    assert "Access-Control-Allow-Origin" not in response


def test_other_methods_are_405(web_form, visitor, unchanged):
    response = visitor.raw(web_form, "PUT", data="{}", content_type="application/json")

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, OPTIONS, POST"
    assert response.json()["code"] == "method_not_allowed"


def test_preflight_from_an_allowed_origin(web_form, visitor, unchanged):
    response = visitor.raw(
        web_form,
        "OPTIONS",
        headers={"Origin": "https://www.example.com", "Access-Control-Request-Method": "POST"},
    )

    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "https://www.example.com"
    assert response["Access-Control-Allow-Methods"] == "POST, OPTIONS"
    assert response["Access-Control-Allow-Headers"] == "Content-Type"


def test_preflight_from_another_origin_gets_no_cors_headers(web_form, visitor, unchanged):
    response = visitor.raw(web_form, "OPTIONS", headers={"Origin": "https://evil.example"})

    assert response.status_code == 204
    assert "Access-Control-Allow-Origin" not in response
    assert "Access-Control-Allow-Methods" not in response


def test_an_error_to_an_allowed_origin_is_readable_by_its_script(
    web_form, visitor, error_of, unchanged
):
    response = visitor.post_json(web_form, {"first_name": "Ada"}, Origin="https://www.example.com")

    assert error_of(response) == (400, "required", "email")
    assert response["Access-Control-Allow-Origin"] == "https://www.example.com"
