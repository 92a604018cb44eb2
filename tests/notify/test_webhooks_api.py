"""The webhook API: subscriptions, secrets shown once, the delivery log, redelivery, refusals."""

import pytest

from tests.api.conftest import error_of
from truce.identity.models import Role
from truce.ledger.models import Event
from truce.notify.models import Delivery, Subscription

URL = "https://hooks.example.com/truce"


@pytest.fixture
def api(client_for, admin_user, webhook_settings):
    return client_for(admin_user)


def _snapshot():
    return (
        list(Subscription.objects.order_by("pk").values()),
        Delivery.objects.count(),
        Event.objects.count(),
    )


def test_create_shows_the_secret_once_and_logs_the_event_without_it(api, admin_user):
    response = api.post(
        "/webhooks",
        {"target_url": URL, "event_kinds": ["lead.*", "touch.recorded"], "description": "BI"},
    )

    assert response.status_code == 201, response.content
    body = response.json()
    subscription = Subscription.objects.get()
    assert body["secret"] == subscription.secret
    assert subscription.secret.startswith("whsec_") and len(subscription.secret) == 54
    assert {k: body[k] for k in ("id", "target_url", "event_kinds", "description")} == {
        "id": subscription.pk,
        "target_url": URL,
        "event_kinds": ["lead.*", "touch.recorded"],
        "description": "BI",
    }
    assert (body["is_active"], body["created_by"]) == (True, "admin")
    event = Event.objects.get(kind="webhook.created")
    assert (event.subject_type, event.subject_id, event.actor_id) == (
        "webhook",
        subscription.pk,
        admin_user.pk,
    )
    assert event.payload == {
        "target_url": URL,
        "event_kinds": ["lead.*", "touch.recorded"],
        "description": "BI",
        "is_active": True,
    }
    read = api.get(f"/webhooks/{subscription.pk}").json()
    listed = api.get("/webhooks").json()
    assert "secret" not in read
    assert [item["id"] for item in listed["items"]] == [subscription.pk]
    assert "secret" not in listed["items"][0]


def test_list_pages_with_a_cursor(api):
    made = [api.post("/webhooks", {"target_url": URL, "event_kinds": ["*"]}).json() for _ in "abc"]

    first = api.get("/webhooks", {"limit": 2}).json()
    second = api.get("/webhooks", {"limit": 2, "cursor": first["next_cursor"]}).json()

    assert [i["id"] for i in first["items"]] == [made[2]["id"], made[1]["id"]]
    assert [i["id"] for i in second["items"]] == [made[0]["id"]]
    assert second["next_cursor"] is None


def test_update_pause_resume_rotate_and_delete_are_ledger_events(api):
    created = api.post("/webhooks", {"target_url": URL, "event_kinds": ["lead.created"]}).json()
    path = f"/webhooks/{created['id']}"

    changed = api.patch(path, {"event_kinds": ["lead.*"], "description": "all lead events"})
    paused = api.patch(path, {"is_active": False})
    resumed = api.patch(path, {"is_active": True})
    rotated = api.post(f"{path}/rotate-secret")

    assert changed.json()["event_kinds"] == ["lead.*"]
    assert (paused.json()["is_active"], resumed.json()["is_active"]) == (False, True)
    assert rotated.status_code == 200
    assert rotated.json()["secret"] == Subscription.objects.get().secret != created["secret"]
    assert api.delete(path).status_code == 204
    assert Subscription.objects.count() == 0
    assert api.get(path).status_code == 404
    events = Event.objects.filter(subject_type="webhook").order_by("seq")
    assert [(e.kind, e.payload) for e in events] == [
        (
            "webhook.created",
            {
                "target_url": URL,
                "event_kinds": ["lead.created"],
                "description": "",
                "is_active": True,
            },
        ),
        (
            "webhook.updated",
            {
                "changes": {
                    "event_kinds": [["lead.created"], ["lead.*"]],
                    "description": ["", "all lead events"],
                }
            },
        ),
        ("webhook.paused", {}),
        ("webhook.resumed", {}),
        ("webhook.secret_rotated", {}),
        (
            "webhook.deleted",
            {
                "target_url": URL,
                "event_kinds": ["lead.*"],
                "description": "all lead events",
                "is_active": True,
                "deliveries": 0,
            },
        ),
    ]
    assert not any(created["secret"] in str(e.payload) for e in events)


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        (
            {"target_url": "ftp://files.example.com/x", "event_kinds": ["*"]},
            400,
            "invalid_url",
            "target_url",
        ),
        (
            {"target_url": "javascript:alert(1)", "event_kinds": ["*"]},
            400,
            "invalid_url",
            "target_url",
        ),
        ({"target_url": "https://", "event_kinds": ["*"]}, 400, "invalid_url", "target_url"),
        ({"target_url": "", "event_kinds": ["*"]}, 400, "required", "target_url"),
        ({"target_url": URL, "event_kinds": []}, 400, "required", "event_kinds"),
        (
            {"target_url": URL, "event_kinds": ["lead.created", "lead.teleported"]},
            400,
            "unknown_event_kind",
            "event_kinds.1",
        ),
        (
            {"target_url": URL, "event_kinds": ["nothing.*"]},
            400,
            "unknown_event_kind",
            "event_kinds.0",
        ),
        ({"target_url": URL}, 422, "missing", "event_kinds"),
        ({"target_url": URL, "event_kinds": "lead.*"}, 422, "invalid", "event_kinds"),
        (
            {"target_url": URL, "event_kinds": ["*"], "secret": "mine"},
            422,
            "unknown_field",
            "secret",
        ),
        (
            {"target_url": URL, "event_kinds": ["*"], "description": "x" * 201},
            422,
            "invalid",
            "description",
        ),
    ],
)
def test_bad_input_is_refused_with_the_field_and_changes_nothing(api, body, status, code, field):
    before = _snapshot()

    response = api.post("/webhooks", body)

    assert response.status_code == status, response.content
    error = error_of(response)
    assert (error["code"], error["field"]) == (code, field)
    assert _snapshot() == before


def test_a_bad_update_changes_nothing(api):
    created = api.post("/webhooks", {"target_url": URL, "event_kinds": ["lead.*"]}).json()
    before = _snapshot()

    bad_url = api.patch(
        f"/webhooks/{created['id']}", {"target_url": "http//nope", "description": "x"}
    )
    no_kinds = api.patch(f"/webhooks/{created['id']}", {"event_kinds": [], "description": "x"})
    unknown = api.patch("/webhooks/999999", {"description": "x"})

    assert (bad_url.status_code, error_of(bad_url)["field"]) == (400, "target_url")
    assert (no_kinds.status_code, error_of(no_kinds)["field"]) == (400, "event_kinds")
    assert (unknown.status_code, error_of(unknown)["code"]) == (404, "not_found")
    assert _snapshot() == before


@pytest.mark.parametrize("role", [Role.MARKETER, Role.SALES_OWNER, Role.SALES_REP, Role.VIEWER])
def test_only_admins_and_the_marketing_owner_manage_webhooks(api, client_for, make_user, role):
    created = api.post("/webhooks", {"target_url": URL, "event_kinds": ["*"]}).json()
    client = client_for(make_user(role))
    before = _snapshot()

    responses = [
        client.get("/webhooks"),
        client.post("/webhooks", {"target_url": URL, "event_kinds": ["*"]}),
        client.get(f"/webhooks/{created['id']}"),
        client.patch(f"/webhooks/{created['id']}", {"is_active": False}),
        client.post(f"/webhooks/{created['id']}/rotate-secret"),
        client.get(f"/webhooks/{created['id']}/deliveries"),
        client.delete(f"/webhooks/{created['id']}"),
    ]

    assert [r.status_code for r in responses] == [403] * 7
    assert {error_of(r)["code"] for r in responses} == {"permission_denied"}
    assert _snapshot() == before


def test_the_marketing_owner_may_manage_webhooks(client_for, ops, webhook_settings):
    client = client_for(ops)
    response = client.post("/webhooks", {"target_url": URL, "event_kinds": ["lead.*"]})
    assert response.status_code == 201
    assert response.json()["created_by"] == "ops"


def test_deliveries_page_and_redeliver(
    api, receiver, make_contact, django_capture_on_commit_callbacks
):
    hook = receiver([500])
    created = api.post(
        "/webhooks", {"target_url": hook.url, "event_kinds": ["contact.created"]}
    ).json()
    with django_capture_on_commit_callbacks(execute=True):
        make_contact()
        make_contact()
    path = f"/webhooks/{created['id']}/deliveries"

    first = api.get(path, {"limit": 3}).json()
    rest = api.get(path, {"limit": 3, "cursor": first["next_cursor"]}).json()

    log = Delivery.objects.order_by("-pk")
    assert [d["id"] for d in first["items"] + rest["items"]] == [d.pk for d in log]
    assert [(d["attempt"], d["status"]) for d in first["items"] + rest["items"]] == [
        (2, "pending"),
        (2, "pending"),
        (1, "failed"),
        (1, "failed"),
    ]
    failed = first["items"][2]
    assert (failed["http_status"], failed["response_body"], failed["event_kind"]) == (
        500,
        "answer 500",
        "contact.created",
    )
    assert failed["next_attempt_at"] is not None and failed["manual"] is False

    with django_capture_on_commit_callbacks(execute=True):
        again = api.post(f"{path}/{failed['id']}/redeliver")

    assert again.status_code == 202, again.content
    body = again.json()
    assert (body["attempt"], body["manual"], body["requested_by"], body["event_id"]) == (
        3,
        True,
        "admin",
        failed["event_id"],
    )
    assert body["status"] == "pending"  # the job runs once the request committed
    sent = Delivery.objects.get(pk=body["id"])
    assert (sent.status, sent.http_status) == ("gave_up", 500)
    assert len(hook.requests) == 3


def test_redeliver_refusals_change_nothing(api, client_for, marketer, make_contact, receiver):
    hook = receiver([200])
    created = api.post(
        "/webhooks", {"target_url": hook.url, "event_kinds": ["contact.created"]}
    ).json()
    other = api.post("/webhooks", {"target_url": hook.url, "event_kinds": ["lead.*"]}).json()
    make_contact()
    delivery = Delivery.objects.get(subscription_id=created["id"])
    marketer_client = client_for(marketer)
    before = _snapshot()

    wrong_hook = api.post(f"/webhooks/{other['id']}/deliveries/{delivery.pk}/redeliver")
    missing = api.post(f"/webhooks/{created['id']}/deliveries/999999/redeliver")
    by_marketer = marketer_client.post(
        f"/webhooks/{created['id']}/deliveries/{delivery.pk}/redeliver"
    )

    assert (wrong_hook.status_code, error_of(wrong_hook)["field"]) == (404, "delivery_id")
    assert (missing.status_code, error_of(missing)["field"]) == (404, "delivery_id")
    assert (by_marketer.status_code, error_of(by_marketer)["code"]) == (403, "permission_denied")
    assert _snapshot() == before
    assert hook.requests == []


def test_the_how_to_lists_every_kind_a_webhook_may_name():
    from pathlib import Path

    from truce.notify.webhooks import kinds

    text = (Path(__file__).parents[2] / "docs/how-to/webhooks.md").read_text()
    assert [k for k in sorted(kinds.KNOWN) if f"`{k}`" not in text] == []
