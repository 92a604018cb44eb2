"""Web-to-lead fixtures: forms made through the service, a public client, and record counts."""

import json
from typing import Any

import pytest
from django.test import Client

from truce.funnel.models import Lead
from truce.identity import services as identity_services
from truce.ledger.models import Event
from truce.people.models import Company, Contact
from truce.touches.models import Touch
from truce.webtolead import services
from truce.webtolead.models import RateWindow, Submission, WebForm

ALL_FIELDS = ["first_name", "last_name", "company", "title", "phone", "country", "message"]


@pytest.fixture
def make_form(marketer):
    def make(name: str = "Contact us", **fields: Any) -> WebForm:
        fields.setdefault("fields", ALL_FIELDS)
        return services.create_form(actor=marketer, name=name, **fields)

    return make


@pytest.fixture
def web_form(make_form):
    return make_form(allowed_origins=["https://www.example.com"])


class Public:
    """A visitor's browser or script, from a given address (REMOTE_ADDR)."""

    def __init__(self, address: str = "203.0.113.7"):
        self.client = Client(REMOTE_ADDR=address)

    def post(self, form: WebForm | str, data: dict[str, Any], query: str = "", **headers: str):
        return self.client.post(_url(form, query), data, headers=headers)

    def post_json(self, form: WebForm | str, body: Any, query: str = "", **headers: str):
        raw = body if isinstance(body, str | bytes) else json.dumps(body)
        return self.client.post(
            _url(form, query), raw, content_type="application/json", headers=headers
        )

    def raw(self, form: WebForm | str, method: str, **kwargs: Any):
        return self.client.generic(method, _url(form, ""), **kwargs)


def _url(form: WebForm | str, query: str) -> str:
    key = form if isinstance(form, str) else form.key
    return f"/f/{key}/" + (f"?{query}" if query else "")


@pytest.fixture
def visitor():
    return Public()


@pytest.fixture
def visitor_from():
    return Public


@pytest.fixture
def counts():
    """Rows of every kind a submission could write, to assert that a refusal wrote none."""

    def snapshot() -> dict[str, int]:
        return {
            "contacts": Contact.objects.count(),
            "companies": Company.objects.count(),
            "leads": Lead.objects.count(),
            "touches": Touch.objects.count(),
            "submissions": Submission.objects.count(),
            "events": Event.objects.count(),
        }

    return snapshot


@pytest.fixture
def rate_rows():
    return lambda: RateWindow.objects.count()


@pytest.fixture
def error_of():
    def get(response) -> tuple[int, str, str | None]:
        body = response.json()
        assert body["errors"][0] == {k: body[k] for k in ("code", "field", "message")}
        return response.status_code, body["code"], body["field"]

    return get


class Api:
    def __init__(self, token: str):
        self.client = Client(headers={"Authorization": f"Bearer {token}"})

    def get(self, path: str, params: dict[str, Any] | None = None):
        return self.client.get("/api/v1" + path, params or {})

    def post(self, path: str, body: Any):
        return self.client.post("/api/v1" + path, json.dumps(body), content_type="application/json")

    def patch(self, path: str, body: Any):
        return self.client.patch(
            "/api/v1" + path, json.dumps(body), content_type="application/json"
        )


@pytest.fixture
def api_for():
    def make(user) -> Api:
        return Api(identity_services.create_api_token(user=user, name="tests")[1])

    return make
