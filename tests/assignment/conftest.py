from typing import Any

import pytest

from truce.assignment import services
from truce.identity.models import Role
from truce.ledger.models import Event


@pytest.fixture
def sales_owner(make_user):
    return make_user(Role.SALES_OWNER, username="sally")


@pytest.fixture
def make_pool(sales_owner):
    def make(name: str, members: list[Any] = (), **fields: Any):
        pool = services.create_pool(name=name, actor=sales_owner, **fields)
        for member in members:
            user, weight = member if isinstance(member, tuple) else (member, 1)
            services.add_member(pool=pool, user=user, weight=weight, actor=sales_owner)
        return pool

    return make


@pytest.fixture
def make_rule(sales_owner):
    def make(name: str, condition: str, pool, **fields: Any):
        return services.create_rule(
            name=name, condition=condition, pool=pool, actor=sales_owner, **fields
        )

    return make


@pytest.fixture
def event_count():
    return lambda: Event.objects.count()


@pytest.fixture
def kinds():
    return lambda lead: list(
        Event.objects.filter(lead_id=lead.pk).order_by("seq").values_list("kind", flat=True)
    )
