"""Webhook deliveries to a real HTTP receiver on 127.0.0.1: signing, retries, redelivery."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tests.conftest import free_port
from truce.ledger import bulk
from truce.ledger import services as ledger
from truce.ledger.models import Event
from truce.notify.models import Delivery
from truce.notify.webhooks import delivery as deliveries
from truce.notify.webhooks import services as webhooks

from .webhooks_fixtures import verify

SECOND = timedelta(seconds=1)


def _iso(moment):
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _attempt(subscription, number):
    return Delivery.objects.get(subscription=subscription, attempt=number)


@pytest.mark.django_db(transaction=True)
def test_a_signed_event_is_retried_with_backoff_until_the_receiver_answers(
    receiver, subscribe, make_lead, admin_user
):
    hook = receiver([500, "drop", 200])
    subscription = subscribe(hook.url, ["lead.created"])

    lead = make_lead()  # commits: the first attempt runs at once

    first = _attempt(subscription, 1)
    assert (first.status, first.http_status, first.response_body, first.error) == (
        "failed",
        500,
        "answer 500",
        "",
    )
    second = _attempt(subscription, 2)
    assert second.status == "pending"
    assert first.next_attempt_at == second.due_at == first.attempted_at + 60 * SECOND

    assert deliveries.deliver_due(now=second.due_at - timedelta(microseconds=1)) == 0
    assert len(hook.requests) == 1
    assert deliveries.deliver_due(now=second.due_at) == 1

    second.refresh_from_db()
    assert (second.status, second.http_status, second.response_body) == ("failed", None, "")
    assert second.error.startswith("RemoteDisconnected: ")
    third = _attempt(subscription, 3)
    assert second.next_attempt_at == third.due_at == second.attempted_at + 120 * SECOND

    assert deliveries.deliver_due(now=third.due_at) == 1
    third.refresh_from_db()
    assert (third.status, third.http_status, third.response_body, third.error) == (
        "succeeded",
        200,
        "answer 200",
        "",
    )
    assert third.next_attempt_at is None
    assert Delivery.objects.filter(subscription=subscription).count() == 3
    assert deliveries.deliver_due(now=third.due_at + timedelta(days=1)) == 0

    event = Event.objects.get(kind="lead.created", subject_id=lead.pk)
    assert len(hook.requests) == 3
    for number, request in enumerate(hook.requests, start=1):
        attempt = _attempt(subscription, number)
        signature = request.headers["Truce-Signature"]
        assert verify(subscription.secret, signature, request.body)
        assert not verify("whsec_wrong", signature, request.body)
        assert not verify(subscription.secret, signature, request.body + b" ")
        assert signature.startswith(f"t={int(attempt.attempted_at.timestamp())},v1=")
        assert request.path == "/hooks/truce"
        assert request.headers["Content-Type"] == "application/json"
        assert request.headers["User-Agent"] == "Truce-Webhooks/1"
        assert request.headers["Truce-Event"] == "lead.created"
        assert request.headers["Truce-Delivery"] == str(attempt.pk)
        assert request.json() == {
            "delivery_id": attempt.pk,
            "attempt": number,
            "event": {
                "id": event.pk,
                "seq": event.seq,
                "kind": "lead.created",
                "occurred_at": _iso(event.occurred_at),
                "recorded_at": _iso(event.recorded_at),
                "subject_type": "lead",
                "subject_id": lead.pk,
                "lead_id": lead.pk,
                "actor": {"id": admin_user.pk, "username": "admin"},
                "payload": event.payload,
                "hash": event.hash,
            },
        }
    assert hook.requests[0].json()["event"]["payload"]["contact_id"] == lead.contact_id


def _new_kinds(subscription, after_seq):
    rows = Delivery.objects.filter(subscription=subscription, event__seq__gt=after_seq)
    return sorted(rows.values_list("event__kind", flat=True))


def test_exact_kinds_wildcards_and_paused_subscriptions(
    receiver, subscribe, make_lead, django_capture_on_commit_callbacks
):
    hook = receiver([200])
    exact = subscribe(hook.url, ["contact.created"])
    leads = subscribe(hook.url, ["lead.*"])
    everything = subscribe(hook.url, ["*"])
    paused = subscribe(hook.url, ["*"], is_active=False)
    start = Event.objects.order_by("-seq").values_list("seq", flat=True).first()

    with django_capture_on_commit_callbacks(execute=True):
        make_lead()

    kinds = sorted(Event.objects.filter(seq__gt=start).values_list("kind", flat=True))
    assert "contact.created" in kinds and "lead.created" in kinds
    assert _new_kinds(exact, start) == ["contact.created"]
    assert _new_kinds(leads, start) == [k for k in kinds if k.startswith("lead.")]
    assert _new_kinds(everything, start) == kinds
    assert _new_kinds(paused, start) == []
    sent = Delivery.objects.filter(event__seq__gt=start)
    assert sorted(sent.values_list("status", flat=True)) == ["succeeded"] * sent.count()
    assert len(hook.requests) == 1 + (len(kinds) - 1) + len(kinds)


def test_a_rolled_back_change_delivers_nothing(
    receiver, subscribe, make_lead, django_capture_on_commit_callbacks
):
    hook = receiver([200])
    subscribe(hook.url, ["*"])
    before = Delivery.objects.count()

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        make_lead()
        raise RuntimeError("changed my mind")

    assert callbacks == []
    assert Delivery.objects.count() == before
    assert hook.requests == []


def test_imported_and_bulk_written_events_fire_no_webhooks(
    receiver, subscribe, django_capture_on_commit_callbacks
):
    hook = receiver([200])
    subscribe(hook.url, ["*"])
    before = Delivery.objects.count()

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        ledger.append(
            kind="lead.created", subject_type="lead", subject_id=7, lead_id=7, imported=True
        )
        chain = bulk.start_chain(recorded_at=timezone.now(), times=bulk.TimeText())
        row = bulk.BulkEvent("lead.created", 1_700_000_000, None, "lead", 8, 8, "{}")
        bulk.write_batch(chain.batch([row]))

    assert Event.objects.filter(subject_id__in=[7, 8], kind="lead.created").count() == 2
    assert Delivery.objects.count() == before
    assert hook.requests == []


def test_an_append_costs_one_query_for_webhooks_when_nobody_subscribes(db):
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        ledger.append(kind="lead.updated", subject_type="lead", subject_id=1, lead_id=1)
    webhook_queries = [q for q in queries if "notify_" in q["sql"]]
    assert len(webhook_queries) == 1
    assert webhook_queries[0]["sql"].startswith("SELECT")
    assert Delivery.objects.count() == 0


def test_it_gives_up_after_the_last_attempt(
    receiver, subscribe, make_contact, webhook_settings, django_capture_on_commit_callbacks
):
    webhook_settings.TRUCE_WEBHOOK_MAX_ATTEMPTS = 2
    hook = receiver([(503, "busy")])
    subscription = subscribe(hook.url, ["contact.created"])

    with django_capture_on_commit_callbacks(execute=True):
        make_contact()
    second = _attempt(subscription, 2)
    assert deliveries.deliver_due(now=second.due_at) == 1

    second.refresh_from_db()
    assert (second.status, second.http_status, second.response_body) == ("gave_up", 503, "busy")
    assert second.next_attempt_at is None
    assert _attempt(subscription, 1).status == "failed"
    assert deliveries.deliver_due(now=second.due_at + timedelta(days=30)) == 0
    assert Delivery.objects.filter(subscription=subscription).count() == 2
    assert len(hook.requests) == 2


def test_backoff_doubles_and_is_capped(webhook_settings):
    webhook_settings.TRUCE_WEBHOOK_MAX_BACKOFF_SECONDS = 3600
    assert [deliveries.backoff(n).total_seconds() for n in (1, 2, 3, 6, 7, 30)] == [
        60,
        120,
        240,
        1920,
        3600,
        3600,
    ]


def test_a_pending_retry_of_a_paused_subscription_is_not_sent(
    receiver, subscribe, make_contact, admin_user, django_capture_on_commit_callbacks
):
    hook = receiver([500])
    subscription = subscribe(hook.url, ["contact.created"])
    with django_capture_on_commit_callbacks(execute=True):
        make_contact()
    webhooks.update_subscription(
        subscription=subscription, actor=admin_user, changes={"is_active": False}
    )

    assert deliveries.deliver_due(now=_attempt(subscription, 2).due_at) == 1

    second = _attempt(subscription, 2)
    assert (second.status, second.error, second.http_status) == (
        "gave_up",
        "The subscription is paused.",
        None,
    )
    assert len(hook.requests) == 1


def test_redelivery_sends_the_event_again_as_a_new_attempt(
    receiver, subscribe, make_contact, ops, django_capture_on_commit_callbacks
):
    hook = receiver([200, 500])
    subscription = subscribe(hook.url, ["contact.created"])
    with django_capture_on_commit_callbacks(execute=True):
        contact = make_contact()
    first = _attempt(subscription, 1)
    assert first.status == "succeeded"

    with django_capture_on_commit_callbacks(execute=True):
        again = webhooks.redeliver(delivery=first, actor=ops)

    again.refresh_from_db()
    assert (again.attempt, again.manual, again.requested_by, again.event_id) == (
        2,
        True,
        ops,
        first.event_id,
    )
    # A redelivery that fails is logged and not retried on its own.
    assert (again.status, again.http_status, again.next_attempt_at) == ("gave_up", 500, None)
    assert Delivery.objects.filter(subscription=subscription).count() == 2
    assert [r.headers["Truce-Delivery"] for r in hook.requests] == [str(first.pk), str(again.pk)]
    body = hook.requests[1].json()
    assert (body["attempt"], body["event"]["subject_id"]) == (2, contact.pk)
    assert verify(
        subscription.secret, hook.requests[1].headers["Truce-Signature"], hook.requests[1].body
    )
    requested = Event.objects.get(kind="webhook.redelivery_requested")
    assert (requested.subject_id, requested.actor_id, requested.payload) == (
        subscription.pk,
        ops.pk,
        {"event_id": first.event_id, "attempt": 2},
    )


def test_a_redirect_is_a_failure_and_the_answer_is_cut_to_its_excerpt(
    receiver, subscribe, make_contact, django_capture_on_commit_callbacks
):
    moved = receiver([(302, "see elsewhere")])
    chatty = receiver([(500, "é" * 3000)])
    to_moved = subscribe(moved.url, ["contact.created"])
    to_chatty = subscribe(chatty.url, ["contact.created"])

    with django_capture_on_commit_callbacks(execute=True):
        make_contact()

    redirected = _attempt(to_moved, 1)
    assert (redirected.status, redirected.http_status, redirected.response_body) == (
        "failed",
        302,
        "see elsewhere",
    )
    long = _attempt(to_chatty, 1)
    assert long.http_status == 500
    assert long.response_body == "é" * 1024  # 2048 bytes of two-byte characters


def test_an_unreachable_receiver_is_logged_as_an_error(
    subscribe, make_contact, django_capture_on_commit_callbacks
):
    subscription = subscribe(f"http://127.0.0.1:{free_port()}/nobody", ["contact.created"])
    with django_capture_on_commit_callbacks(execute=True):
        make_contact()
    first = _attempt(subscription, 1)
    assert (first.status, first.http_status) == ("failed", None)
    assert first.error.startswith("ConnectionRefusedError: ")
    assert first.duration_ms is not None


def test_an_attempt_is_made_once_however_often_its_job_runs(receiver, subscribe, make_contact):
    hook = receiver([200])
    subscription = subscribe(hook.url, ["contact.created"])
    make_contact()  # no on_commit here: the attempt stays pending
    pending = _attempt(subscription, 1)

    assert deliveries.deliver(delivery_id=pending.pk) == "succeeded"
    assert deliveries.deliver(delivery_id=pending.pk) is None
    assert len(hook.requests) == 1


def test_on_a_deferring_backend_the_retry_is_a_job_with_run_after(
    receiver, subscribe, make_contact, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    hook = receiver([500])
    subscription = subscribe(hook.url, ["contact.created"])
    with django_capture_on_commit_callbacks(execute=True):
        make_contact()
    first = _attempt(subscription, 1)
    job = DBTaskResult.objects.get(args_kwargs__kwargs__delivery_id=first.pk)
    assert job.task_path == "truce.notify.webhooks.tasks.deliver_webhook"
    assert hook.requests == []  # a worker runs it, not this process

    with django_capture_on_commit_callbacks(execute=True):
        assert deliveries.deliver(delivery_id=first.pk) == "failed"

    first.refresh_from_db()
    second = _attempt(subscription, 2)
    retry = DBTaskResult.objects.get(args_kwargs__kwargs__delivery_id=second.pk)
    assert retry.run_after == second.due_at == first.next_attempt_at
    # The sweep leaves a retry to its own job and only picks up stragglers.
    assert deliveries.due_ids(now=second.due_at) == []
    assert deliveries.due_ids(now=second.due_at + deliveries.STRAGGLER_AFTER) == [second.pk]


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_for_one_attempt_send_it_once(receiver, subscribe, make_contact):
    hook = receiver([200])
    contact = make_contact()
    subscription = subscribe(hook.url, ["contact.created"])
    event = Event.objects.get(kind="contact.created", subject_id=contact.pk)
    now = timezone.now()
    pending = Delivery.objects.create(
        subscription=subscription, event=event, attempt=1, due_at=now, created_at=now
    )
    start = threading.Barrier(2)
    results = []

    def worker():
        try:
            start.wait()
            results.append(deliveries.deliver(delivery_id=pending.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results, key=str) == [None, "succeeded"]
    assert len(hook.requests) == 1
    assert Delivery.objects.filter(subscription=subscription).count() == 1


def test_an_attempt_in_flight_when_its_webhook_is_deleted_logs_nothing(
    receiver, subscribe, make_contact, admin_user
):
    hook = receiver([500])
    subscription = subscribe(hook.url, ["contact.created"])
    make_contact()
    pending = _attempt(subscription, 1)
    webhooks.delete_subscription(subscription=subscription, actor=admin_user)

    outcome = deliveries.Outcome(http_status=500, body="late answer")
    recorded = deliveries.record(pending, outcome, attempted_at=timezone.now(), duration_ms=5)

    assert recorded == "deleted"
    assert Delivery.objects.count() == 0
