"""The SLA follows a lead through the real services: routed, touched, accepted, won."""

from truce.agreements.models import Clock, ClockState
from truce.assignment import services as assignment
from truce.funnel.services import set_outcome
from truce.funnel.services.disposition import accept_lead, reject_lead
from truce.ledger.models import Event
from truce.ledger.selectors import verify_chain
from truce.touches.services import record_touch


def _states(lead):
    return {
        c.commitment.kind: c.state
        for c in Clock.objects.filter(lead=lead).select_related("commitment")
    }


def _routed_lead(make_agreement, make_lead, admin_user, rep):
    make_agreement()
    pool = assignment.create_pool(name="Inbound", actor=admin_user, is_default=True)
    assignment.add_member(pool=pool, user=rep, actor=admin_user)
    lead = make_lead("mql")
    assert assignment.route_lead(lead=lead, actor=admin_user) == rep
    return lead


def test_routing_starts_the_clocks_and_the_rep_meets_them(
    make_agreement, make_lead, admin_user, rep
):
    lead = _routed_lead(make_agreement, make_lead, admin_user, rep)
    assert set(_states(lead).values()) == {ClockState.RUNNING}

    record_touch(lead=lead, kind="call", actor=rep)
    accept_lead(lead=lead, actor=rep)

    assert _states(lead) == {
        "first_touch": "met",
        "touches": "running",
        "disposition": "met",
        "outcome": "running",
    }
    for _ in range(2):
        record_touch(lead=lead, kind="email", actor=rep)
    lead.refresh_from_db()
    set_outcome(lead=lead, outcome="won", amount="5000", actor=rep)

    assert _states(lead) == {
        "first_touch": "met",
        "touches": "met",
        "disposition": "met",
        "outcome": "met",
    }
    assert Event.objects.filter(kind="clock.met", lead_id=lead.pk).count() == 4
    assert verify_chain().ok


def test_a_rejection_meets_the_disposition_clock_and_stops_the_rest(
    make_agreement, make_lead, admin_user, rep
):
    lead = _routed_lead(make_agreement, make_lead, admin_user, rep)

    reject_lead(lead=lead, reason="not_icp", actor=rep)

    assert _states(lead) == {
        "first_touch": "cancelled",
        "touches": "cancelled",
        "disposition": "met",
        "outcome": "cancelled",
    }


def test_manual_reassignment_restarts_the_running_clocks(
    make_agreement, make_lead, admin_user, rep, make_user
):
    from truce.identity.models import Role

    lead = _routed_lead(make_agreement, make_lead, admin_user, rep)
    other = make_user(Role.SALES_REP, username="other")

    assignment.reassign_lead(lead=lead, owner=other, actor=admin_user)

    running = Clock.objects.filter(lead=lead, state=ClockState.RUNNING)
    assert running.count() == 4
    assert {c.owner_id for c in running} == {other.pk}
    assert Clock.objects.filter(lead=lead, state=ClockState.CANCELLED).count() == 4


def test_an_escalation_reassigns_the_lead_when_the_agreement_says_so(
    make_agreement, make_lead, admin_user, rep, make_user
):
    from datetime import timedelta

    from django.utils import timezone

    from truce.agreements.services import clocks
    from truce.identity.models import Role

    make_agreement(
        [{"kind": "first_touch", "target": 100, "hours": 1, "escalate_after_hours": 2}],
        reassign_on_escalation=True,
    )
    pool = assignment.create_pool(name="Inbound", actor=admin_user, is_default=True)
    backup = make_user(Role.SALES_REP, username="backup")
    for member in (rep, backup):
        assignment.add_member(pool=pool, user=member, actor=admin_user)
    lead = make_lead("mql")
    first_owner = assignment.route_lead(lead=lead, actor=admin_user)

    clocks.sweep(now=timezone.now() + timedelta(hours=3))

    lead.refresh_from_db()
    assert lead.owner not in (None, first_owner)
    assert Event.objects.filter(kind="clock.escalated", lead_id=lead.pk).count() == 1
    running = Clock.objects.get(lead=lead, state=ClockState.RUNNING)
    assert running.owner == lead.owner
