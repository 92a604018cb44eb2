"""The navigation shows a link only to the roles whose pages answer it."""

import pytest

from truce.identity.models import Role

LINKS = {"Web forms": "/webforms/", "Webhooks": "/settings/webhooks/"}


@pytest.mark.parametrize(
    ("role", "shown"),
    [
        (Role.ADMIN, {"Web forms", "Webhooks"}),
        (Role.MARKETING_OWNER, {"Web forms", "Webhooks"}),
        (Role.MARKETER, {"Web forms"}),
        (Role.SALES_OWNER, set()),
        (Role.SALES_REP, set()),
        (Role.VIEWER, set()),
    ],
)
def test_settings_links_follow_the_role(client, make_user, role, shown):
    client.force_login(make_user(role))

    page = client.get("/").content.decode()

    assert {name for name, url in LINKS.items() if f'href="{url}"' in page} == shown
    for name in shown:  # and each link shown opens
        assert client.get(LINKS[name]).status_code == 200
