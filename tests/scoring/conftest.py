from datetime import UTC, datetime, timedelta

import pytest

from truce.identity.models import Role
from truce.scoring import services

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def marketing_owner(make_user):
    return make_user(Role.MARKETING_OWNER, username="mona")


@pytest.fixture
def sales_owner(make_user):
    return make_user(Role.SALES_OWNER, username="sam")


@pytest.fixture
def make_rule(marketer):
    def make(kind="fit", name=None, points=10, **fields):
        return services.create_rule(
            actor=marketer, kind=kind, name=name or f"{kind} rule", points=points, **fields
        )

    return make


@pytest.fixture
def days_ago():
    return lambda days: NOW - timedelta(days=days)


@pytest.fixture
def client_for():
    from tests.api.conftest import ApiClient
    from truce.identity import services as identity_services

    return lambda user: ApiClient(identity_services.create_api_token(user=user, name="t")[1])
