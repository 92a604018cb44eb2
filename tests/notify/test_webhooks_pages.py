"""The webhook pages: list, create and edit forms, the delivery log and its Redeliver button."""

import pytest
from django.test import Client

from truce.identity.models import Role
from truce.ledger.models import Event
from truce.notify.models import Delivery, Subscription

URL = "https://hooks.example.com/truce"


@pytest.fixture
def admin_client(admin_user, webhook_settings):
    client = Client()
    client.force_login(admin_user)
    return client


def _snapshot():
    return (
        list(Subscription.objects.order_by("pk").values()),
        Delivery.objects.count(),
        Event.objects.count(),
    )


def test_create_from_the_form_shows_the_secret_once(admin_client):
    form = admin_client.get("/settings/webhooks/new/")
    assert form.status_code == 200
    assert b'<label for="id_target_url">Target URL</label>' in form.content
    assert b'<label for="id_event_kinds">Event kinds</label>' in form.content

    response = admin_client.post(
        "/settings/webhooks/new/",
        {
            "target_url": URL,
            "event_kinds": "lead.*\r\ntouch.recorded",
            "description": "Warehouse",
            "is_active": "on",
        },
    )

    subscription = Subscription.objects.get()
    assert (response.status_code, response["Location"]) == (
        302,
        f"/settings/webhooks/{subscription.pk}/",
    )
    assert (subscription.target_url, subscription.event_kinds, subscription.description) == (
        URL,
        ["lead.*", "touch.recorded"],
        "Warehouse",
    )
    assert subscription.is_active is True
    first_view = admin_client.get(f"/settings/webhooks/{subscription.pk}/")
    assert f'value="{subscription.secret}"'.encode() in first_view.content
    assert b"Copy its signing secret now" in first_view.content
    second_view = admin_client.get(f"/settings/webhooks/{subscription.pk}/")
    assert subscription.secret.encode() not in second_view.content
    listing = admin_client.get("/settings/webhooks/")
    assert f'href="/settings/webhooks/{subscription.pk}/">{URL}</a>'.encode() in listing.content


@pytest.mark.parametrize(
    ("data", "error_id", "message"),
    [
        (
            {"target_url": "ftp://x.example/h", "event_kinds": "*"},
            "target-url-error",
            "must start with http:// or https://",
        ),
        (
            {"target_url": URL, "event_kinds": ""},
            "event-kinds-error",
            "Name at least one event kind",
        ),
        (
            {"target_url": URL, "event_kinds": "lead.created lead.flew"},
            "event-kinds-error",
            "&#x27;lead.flew&#x27; is not an event kind",
        ),
    ],
)
def test_a_bad_form_says_why_beside_the_field_and_saves_nothing(
    admin_client, data, error_id, message
):
    before = _snapshot()

    response = admin_client.post("/settings/webhooks/new/", data)

    assert response.status_code == 400
    assert f'id="{error_id}">'.encode() in response.content
    assert message.encode() in response.content
    assert f'value="{data["target_url"]}"'.encode() in response.content  # kept for correction
    assert _snapshot() == before


def test_edit_pause_rotate_and_delete(admin_client, subscribe):
    subscription = subscribe(URL, ["lead.created"])
    old_secret = subscription.secret
    base = f"/settings/webhooks/{subscription.pk}"

    edited = admin_client.post(
        f"{base}/edit/", {"target_url": URL + "/v2", "event_kinds": "lead.*", "is_active": "on"}
    )
    assert (edited.status_code, edited["Location"]) == (302, f"{base}/")
    paused = admin_client.post(f"{base}/pause/", {"active": "false"})
    assert paused.status_code == 302
    subscription.refresh_from_db()
    assert (subscription.target_url, subscription.event_kinds, subscription.is_active) == (
        URL + "/v2",
        ["lead.*"],
        False,
    )

    rotated = admin_client.post(f"{base}/rotate/")
    subscription.refresh_from_db()
    assert subscription.secret != old_secret
    assert rotated.status_code == 302
    assert f'value="{subscription.secret}"'.encode() in admin_client.get(f"{base}/").content

    deleted = admin_client.post(f"{base}/delete/")
    assert (deleted.status_code, deleted["Location"]) == (302, "/settings/webhooks/")
    assert Subscription.objects.count() == 0
    kinds = list(
        Event.objects.filter(subject_type="webhook").order_by("seq").values_list("kind", flat=True)
    )
    assert kinds == [
        "webhook.created",
        "webhook.updated",
        "webhook.paused",
        "webhook.secret_rotated",
        "webhook.deleted",
    ]


def test_the_log_lists_attempts_and_redeliver_answers_htmx_with_the_log(
    admin_client, subscribe, receiver, make_contact, django_capture_on_commit_callbacks
):
    hook = receiver([(500, "down for maintenance"), 200])
    subscription = subscribe(hook.url, ["contact.created"])
    with django_capture_on_commit_callbacks(execute=True):
        make_contact()
    first = Delivery.objects.get(subscription=subscription, attempt=1)

    page = admin_client.get(f"/settings/webhooks/{subscription.pk}/")
    assert page.status_code == 200
    content = page.content.decode()
    assert content.count('<tr id="delivery-') == 2
    assert "down for maintenance" in content
    assert "Failed, retry scheduled" in content and "Pending" in content
    assert 'aria-label="Redeliver attempt 1 of event #' in content

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            f"/settings/webhooks/{subscription.pk}/deliveries/{first.pk}/redeliver/",
            headers={"HX-Request": "true"},
        )

    assert response.status_code == 200
    assert response.content.decode().startswith('<section id="delivery-log"')
    assert "Redelivery queued as attempt 3." in response.content.decode()
    again = Delivery.objects.get(subscription=subscription, attempt=3)
    assert (again.manual, again.status, again.http_status) == (True, "succeeded", 200)
    assert len(hook.requests) == 2


@pytest.mark.parametrize("role", [Role.MARKETER, Role.SALES_REP, Role.VIEWER])
def test_other_roles_get_403_and_change_nothing(client, make_user, subscribe, role):
    subscription = subscribe(URL, ["*"])
    client.force_login(make_user(role))
    before = _snapshot()
    base = f"/settings/webhooks/{subscription.pk}"

    responses = [
        client.get("/settings/webhooks/"),
        client.get("/settings/webhooks/new/"),
        client.post("/settings/webhooks/new/", {"target_url": URL, "event_kinds": "*"}),
        client.get(f"{base}/"),
        client.post(f"{base}/edit/", {"target_url": URL, "event_kinds": "*"}),
        client.post(f"{base}/pause/", {"active": "false"}),
        client.post(f"{base}/rotate/"),
        client.post(f"{base}/delete/"),
    ]

    assert [r.status_code for r in responses] == [403] * 8
    assert _snapshot() == before


def test_signed_out_visitors_are_sent_to_log_in(client):
    response = client.get("/settings/webhooks/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_too_many_kinds_from_the_form_are_refused(admin_client):
    before = _snapshot()
    kinds = "\n".join(["lead.created"] * 101)

    response = admin_client.post(
        "/settings/webhooks/new/", {"target_url": URL, "event_kinds": kinds}
    )

    assert response.status_code == 400
    assert b"Name at most 100 event kinds." in response.content
    assert _snapshot() == before
