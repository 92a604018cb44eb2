from datetime import UTC, datetime, timedelta

from truce.agreements.services import clocks
from truce.identity.models import Role

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def test_a_breach_emails_the_owner_and_their_manager_through_smtp(
    smtp_server, make_agreement, make_lead, make_user, django_capture_on_commit_callbacks
):
    boss = make_user(Role.SALES_OWNER, username="boss", email="boss@example.com")
    owner = make_user(
        Role.SALES_REP, username="sam", first_name="Sam", email="sam@example.com", manager=boss
    )
    make_agreement([{"kind": "first_touch", "target": 100, "hours": 4}])
    lead = make_lead("mql")
    clocks.on_owner_changed(lead=lead, owner=owner, at=T0)

    with django_capture_on_commit_callbacks(execute=True):
        clocks.sweep(now=T0 + timedelta(hours=5))

    assert len(smtp_server.messages) == 1
    recipients, message = smtp_server.messages[0]
    assert recipients == ["boss@example.com", "sam@example.com"]
    # (Django folds a long subject onto the next line; the folding space is not part of it.)
    assert (
        message["Subject"].strip() == f"SLA breached: First sales touch within H business hours of "
        f"assignment — {lead.contact}"
    )
    body = message.get_content()
    assert f"/leads/{lead.pk}/" in body
    assert "Due:         2026-11-02 13:00" in body
    assert "Owner:       Sam" in body


def test_an_escalation_also_reaches_the_managers_manager(
    smtp_server, make_agreement, make_lead, make_user, django_capture_on_commit_callbacks
):
    vp = make_user(Role.SALES_OWNER, username="vp", email="vp@example.com")
    lead_rep = make_user(Role.SALES_REP, username="lr", email="lr@example.com", manager=vp)
    owner = make_user(Role.SALES_REP, username="o", email="o@example.com", manager=lead_rep)
    make_agreement([{"kind": "first_touch", "target": 100, "hours": 4, "escalate_after_hours": 8}])
    lead = make_lead("mql")
    clocks.on_owner_changed(lead=lead, owner=owner, at=T0)

    with django_capture_on_commit_callbacks(execute=True):
        clocks.sweep(now=T0 + timedelta(hours=9))

    subjects = sorted(m["Subject"].strip().split(":")[0] for _, m in smtp_server.messages)
    assert subjects == ["Escalated", "SLA breached"]
    escalation = next(
        r for r, m in smtp_server.messages if m["Subject"].strip().startswith("Escalated")
    )
    assert escalation == ["lr@example.com", "o@example.com", "vp@example.com"]


def test_a_notification_job_run_twice_sends_once(smtp_server, make_agreement, make_lead, rep):
    from truce.agreements.models import Clock
    from truce.notify.tasks import send_clock_notifications

    make_agreement([{"kind": "first_touch", "target": 100, "hours": 4}])
    lead = make_lead("mql")
    clocks.on_owner_changed(lead=lead, owner=rep, at=T0)
    clock = Clock.objects.get(lead=lead)

    sent = [send_clock_notifications.call(clock_ids=[clock.pk], kind="breach") for _ in range(2)]

    assert sent == [1, 0]
    assert len(smtp_server.messages) == 1
