import pytest

from truce.funnel import services as funnel_services
from truce.identity.models import Role


@pytest.fixture
def rep_client(client, rep):
    client.force_login(rep)
    return client


@pytest.fixture
def viewer(make_user):
    return make_user(Role.VIEWER, username="vera", first_name="Vera", last_name="Viewer")


@pytest.fixture
def viewer_client(client, viewer):
    client.force_login(viewer)
    return client


@pytest.fixture
def close_lead(admin_user):
    def close(lead, outcome="lost", reason="price"):
        return funnel_services.set_outcome(
            lead=lead, outcome=outcome, reason=reason, actor=admin_user
        )

    return close
