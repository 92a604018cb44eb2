"""API fixtures: a JSON client signed in with a real bearer token for any user."""

import json
from typing import Any

import pytest
from django.test import Client

from truce.identity import services as identity_services
from truce.identity.models import Role
from truce.ledger.models import Event


class ApiClient:
    """Sends JSON to /api/v1 with `Authorization: Bearer <token>`."""

    def __init__(self, token: str | None):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.client = Client(headers=headers)

    def _url(self, path: str) -> str:
        return "/api/v1" + path

    def get(self, path: str, params: dict[str, Any] | None = None, **headers: str):
        return self.client.get(self._url(path), params or {}, headers=headers)

    def post(self, path: str, body: Any = None, **headers: str):
        data = body if isinstance(body, str | bytes) else json.dumps(body or {})
        return self.client.post(
            self._url(path), data, content_type="application/json", headers=headers
        )

    def patch(self, path: str, body: Any = None, **headers: str):
        data = body if isinstance(body, str | bytes) else json.dumps(body or {})
        return self.client.patch(
            self._url(path), data, content_type="application/json", headers=headers
        )

    def delete(self, path: str):
        return self.client.delete(self._url(path))


@pytest.fixture
def token_for():
    def make(user) -> str:
        return identity_services.create_api_token(user=user, name="tests")[1]

    return make


@pytest.fixture
def client_for(token_for):
    return lambda user: ApiClient(token_for(user))


@pytest.fixture
def api(admin_user, client_for):
    """A client acting as the admin."""
    return client_for(admin_user)


@pytest.fixture
def viewer(make_user):
    return make_user(Role.VIEWER, username="viewer")


@pytest.fixture
def event_count():
    return lambda: Event.objects.count()


def error_of(response) -> dict[str, Any]:
    """The top-level error, after checking the body has exactly the error shape."""
    body = response.json()
    assert set(body) == {"code", "field", "message", "errors"}
    assert body["errors"][0] == {k: body[k] for k in ("code", "field", "message")}
    return body
