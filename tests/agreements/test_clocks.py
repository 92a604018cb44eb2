from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail

from truce.agreements.models import Clock, ClockState
from truce.agreements.services import clocks
from truce.ledger.models import Event
from truce.ledger.selectors import verify_chain

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _states(lead):
    return {
        c.commitment.kind: c.state
        for c in Clock.objects.filter(lead=lead).select_related("commitment").order_by("pk")
    }


@pytest.fixture
def assigned(make_agreement, make_lead, rep):
    def make(**agreement_fields):
        make_agreement(**agreement_fields)
        lead = make_lead("mql")
        clocks.on_owner_changed(lead=lead, owner=rep, at=T0)
        return lead

    return make


def test_assignment_starts_one_clock_per_time_bound_commitment(assigned, rep):
    lead = assigned()

    rows = {
        c.commitment.kind: c for c in Clock.objects.filter(lead=lead).select_related("commitment")
    }
    assert set(rows) == {"first_touch", "touches", "disposition", "outcome"}
    assert rows["first_touch"].due_at == T0 + timedelta(hours=4)
    assert rows["first_touch"].escalate_at == T0 + timedelta(hours=8)
    assert rows["touches"].due_at == T0 + timedelta(days=7)
    assert rows["disposition"].due_at == T0 + timedelta(hours=24)
    assert rows["outcome"].due_at == T0 + timedelta(days=30)
    assert {c.owner_id for c in rows.values()} == {rep.pk}


def test_no_agreement_in_force_means_no_clocks(make_agreement, make_lead, rep):
    make_agreement(sign=False)
    lead = make_lead("mql")

    assert clocks.on_owner_changed(lead=lead, owner=rep, at=T0) == []
    assert Clock.objects.count() == 0


def test_the_first_sales_touch_meets_the_first_touch_clock(assigned):
    lead = assigned()

    clocks.observe(lead=lead, event="touch.sales", at=T0 + timedelta(hours=3))

    assert _states(lead)["first_touch"] == ClockState.MET
    met = Event.objects.filter(kind="clock.met").get()
    assert met.payload["commitment"] == "first_touch"
    assert met.lead_id == lead.pk


def test_the_touches_clock_is_met_only_at_the_agreed_count(assigned, rep):
    from truce.touches.services import record_touch

    lead = assigned()
    for hours in (1, 2):
        record_touch(lead=lead, kind="call", actor=rep, occurred_at=T0 + timedelta(hours=hours))
        clocks.observe(lead=lead, event="touch.sales", at=T0 + timedelta(hours=hours))
    assert _states(lead)["touches"] == ClockState.RUNNING

    record_touch(lead=lead, kind="email", actor=rep, occurred_at=T0 + timedelta(hours=5))
    clocks.observe(lead=lead, event="touch.sales", at=T0 + timedelta(hours=5))

    assert _states(lead)["touches"] == ClockState.MET


def test_disposition_and_outcome_meet_theirs_and_closing_cancels_the_rest(assigned):
    lead = assigned()

    clocks.observe(lead=lead, event="lead.accepted", at=T0 + timedelta(hours=1))
    clocks.observe(lead=lead, event="lead.outcome_set", at=T0 + timedelta(days=2))

    assert _states(lead) == {
        "first_touch": "cancelled",
        "touches": "cancelled",
        "disposition": "met",
        "outcome": "met",
    }


def test_the_sweep_breaches_overdue_clocks_once_and_notifies(
    assigned, rep, django_capture_on_commit_callbacks
):
    lead = assigned()

    with django_capture_on_commit_callbacks(execute=True):
        first = clocks.sweep(now=T0 + timedelta(hours=4, seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        second = clocks.sweep(now=T0 + timedelta(hours=5))

    assert first == {"breached": 1, "escalated": 0}
    assert second == {"breached": 0, "escalated": 0}
    assert _states(lead)["first_touch"] == ClockState.BREACHED
    breach = Event.objects.filter(kind="clock.breached").get()
    assert breach.occurred_at == T0 + timedelta(hours=4)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["rita@example.com"]
    assert mail.outbox[0].subject.startswith("SLA breached: First sales touch")
    assert verify_chain().ok


def test_a_late_touch_after_a_breach_is_recorded_but_the_breach_stands(assigned):
    lead = assigned()
    clocks.sweep(now=T0 + timedelta(hours=5))

    clocks.observe(lead=lead, event="touch.sales", at=T0 + timedelta(hours=6))

    clock = Clock.objects.get(lead=lead, commitment__kind="first_touch")
    assert (clock.state, clock.stopped_by) == (ClockState.BREACHED, "touch.sales")
    assert not Event.objects.filter(kind="clock.met").exists()


def test_escalation_fires_once_after_its_own_threshold(assigned):
    lead = assigned()

    assert clocks.sweep(now=T0 + timedelta(hours=7)) == {"breached": 1, "escalated": 0}
    assert clocks.sweep(now=T0 + timedelta(hours=8)) == {"breached": 0, "escalated": 1}
    assert clocks.sweep(now=T0 + timedelta(hours=9)) == {"breached": 0, "escalated": 0}
    assert Event.objects.filter(kind="clock.escalated", lead_id=lead.pk).count() == 1


def test_reassignment_restarts_running_clocks_by_default(assigned, make_user):
    lead = assigned()
    clocks.observe(lead=lead, event="touch.sales", at=T0 + timedelta(hours=1))
    other = make_user(username="other_rep")

    clocks.on_owner_changed(lead=lead, owner=other, at=T0 + timedelta(hours=2))

    running = Clock.objects.filter(lead=lead, state=ClockState.RUNNING).select_related("commitment")
    assert {c.commitment.kind for c in running} == {"touches", "disposition", "outcome"}
    assert {c.owner_id for c in running} == {other.pk}
    assert {c.started_at for c in running} == {T0 + timedelta(hours=2)}
    assert Clock.objects.filter(lead=lead, state=ClockState.MET).count() == 1
    assert Clock.objects.filter(lead=lead, state=ClockState.CANCELLED).count() == 3


def test_reassignment_carries_the_clocks_when_the_agreement_says_so(assigned, make_user):
    lead = assigned(clock_on_reassign="carry")
    other = make_user(username="other_rep")

    clocks.on_owner_changed(lead=lead, owner=other, at=T0 + timedelta(hours=2))

    running = Clock.objects.filter(lead=lead, state=ClockState.RUNNING)
    assert running.count() == 4
    assert {c.owner_id for c in running} == {other.pk}
    assert {c.started_at for c in running} == {T0}


def test_unassigning_cancels_the_running_clocks(assigned):
    lead = assigned()

    clocks.on_owner_changed(lead=lead, owner=None, at=T0 + timedelta(hours=1))

    assert set(_states(lead).values()) == {ClockState.CANCELLED}
