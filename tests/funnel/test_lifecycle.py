from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from truce.errors import PermissionDenied
from truce.funnel import services
from truce.funnel.errors import (
    AmountRequired,
    EntryCriterionFailed,
    InvalidTransition,
    LeadClosed,
    LeadNotClosed,
    ReasonRequired,
)
from truce.funnel.models import Lead, Outcome, StageVisit
from truce.identity.models import Role
from truce.ledger.models import Event
from truce.ledger.selectors import lead_timeline, verify_chain
from truce.touches.services import record_touch


def _kinds(lead):
    return [event.kind for event in lead_timeline(lead_id=lead.pk)]


def _snapshot(lead):
    lead = Lead.objects.get(pk=lead.pk)
    return (
        lead.stage_id,
        lead.outcome,
        lead.amount,
        lead.outcome_reason_id,
        StageVisit.objects.filter(lead=lead).count(),
        Event.objects.count(),
    )


def test_create_lead_starts_in_the_first_stage_and_records_the_event(admin_user, make_contact):
    contact = make_contact(email="ann@acme.com")

    lead = services.create_lead(contact=contact, actor=admin_user, source=" paid_search ")

    assert (lead.stage.key, lead.outcome, lead.source) == (
        "subscriber",
        Outcome.OPEN,
        "paid_search",
    )
    assert [v.stage.key for v in lead.visits.all()] == ["subscriber"]
    created = lead_timeline(lead_id=lead.pk).get()
    assert created.kind == "lead.created"
    assert created.actor_id == admin_user.pk
    assert created.payload["contact_id"] == contact.pk


def test_create_lead_with_an_owner_also_records_the_assignment(
    admin_user, rep, make_contact, stage
):
    lead = services.create_lead(
        contact=make_contact(), actor=admin_user, owner=rep, stage=stage("sal")
    )

    assert _kinds(lead) == ["lead.created", "lead.assigned"]
    assert lead_timeline(lead_id=lead.pk).last().payload == {"from": None, "to": rep.pk}


def test_create_lead_checks_the_entry_criteria_of_its_first_stage(admin_user, make_contact, stage):
    contact = make_contact(email="")

    with pytest.raises(EntryCriterionFailed) as exc:
        services.create_lead(contact=contact, actor=admin_user, stage=stage("lead"))

    assert "Has an email address" in exc.value.message
    assert Lead.objects.count() == 0


def test_a_lead_cannot_start_as_a_customer(admin_user, make_contact, stage):
    with pytest.raises(InvalidTransition):
        services.create_lead(contact=make_contact(), actor=admin_user, stage=stage("customer"))
    assert Lead.objects.count() == 0


def test_move_closes_the_old_visit_opens_the_new_one_and_records_the_move(
    admin_user, rep, make_lead, stage
):
    lead = make_lead("mql", owner=rep)

    moved = services.move_lead(lead=lead, stage=stage("sal"), actor=rep)

    assert moved.stage.key == "sal"
    visits = list(StageVisit.objects.filter(lead=lead).order_by("pk"))
    assert [(v.stage.key, v.exited_at is None) for v in visits] == [("mql", False), ("sal", True)]
    assert visits[0].exited_at == visits[1].entered_at == moved.stage_entered_at
    move = lead_timeline(lead_id=lead.pk).last()
    assert (move.kind, move.payload, move.actor_id) == (
        "lead.stage_changed",
        {"from": "mql", "to": "sal"},
        rep.pk,
    )


def test_move_refusal_names_the_failed_criterion_and_changes_nothing(make_lead, rep, stage):
    lead = make_lead("mql")
    before = _snapshot(lead)

    with pytest.raises(EntryCriterionFailed) as exc:
        services.move_lead(lead=lead, stage=stage("sal"), actor=rep)

    assert exc.value.field == "stage"
    assert exc.value.message == (
        "Cannot enter Sales accepted (SAL): entry criterion 'Has an owner' (owner != null) "
        "failed: it evaluated to false."
    )
    assert _snapshot(lead) == before


def test_move_checks_every_criterion_in_order(make_lead, rep, stage):
    lead = make_lead("researching", owner=rep)

    with pytest.raises(EntryCriterionFailed) as exc:
        services.move_lead(lead=lead, stage=stage("presenting"), actor=rep)
    assert "'Has an estimated amount'" in exc.value.message

    services.update_lead(lead=lead, actor=rep, changes={"amount": "5000"})
    assert (
        services.move_lead(lead=lead, stage=stage("presenting"), actor=rep).stage.key
        == "presenting"
    )


def test_a_sales_touch_satisfies_the_connecting_criterion(make_lead, rep, stage):
    lead = make_lead("prospecting", owner=rep)
    record_touch(lead=lead, kind="page_visit", actor=rep)
    with pytest.raises(EntryCriterionFailed):
        services.move_lead(lead=lead, stage=stage("connecting"), actor=rep)

    record_touch(lead=lead, kind="call", actor=rep)

    assert (
        services.move_lead(lead=lead, stage=stage("connecting"), actor=rep).stage.key
        == "connecting"
    )


@pytest.mark.parametrize("target", ["mql", "customer"])
def test_moves_to_the_same_stage_or_to_customer_are_refused(make_lead, rep, stage, target):
    lead = make_lead("mql", owner=rep)
    before = _snapshot(lead)

    with pytest.raises(InvalidTransition):
        services.move_lead(lead=lead, stage=stage(target), actor=rep)

    assert _snapshot(lead) == before


def test_a_closed_lead_cannot_move(make_lead, rep, stage):
    lead = make_lead("mql", owner=rep)
    services.set_outcome(lead=lead, outcome="lost", reason="price", actor=rep)
    before = _snapshot(lead)

    with pytest.raises(LeadClosed):
        services.move_lead(lead=lead, stage=stage("sal"), actor=rep)

    assert _snapshot(lead) == before


def test_won_requires_an_amount_and_moves_the_lead_to_customer(make_lead, rep):
    lead = make_lead("researching", owner=rep)
    before = _snapshot(lead)
    with pytest.raises(AmountRequired):
        services.set_outcome(lead=lead, outcome="won", actor=rep)
    assert _snapshot(lead) == before

    won = services.set_outcome(lead=lead, outcome="won", amount="1200.456", actor=rep)

    assert (won.outcome, won.stage.key, won.amount) == ("won", "customer", Decimal("1200.46"))
    event = lead_timeline(lead_id=lead.pk).last()
    # "stage" is where the lead stood when the outcome was set: won from Researching.
    assert event.payload == {
        "outcome": "won",
        "stage": "researching",
        "amount": "1200.46",
        "won_stage": "customer",
    }


@pytest.mark.parametrize(
    ("outcome", "reason"),
    [("lost", "competitor"), ("recycled", "not_ready"), ("disqualified", "spam")],
)
def test_side_outcomes_need_a_reason_from_their_own_list(make_lead, rep, outcome, reason):
    lead = make_lead("sal", owner=rep)
    before = _snapshot(lead)
    with pytest.raises(ReasonRequired):
        services.set_outcome(lead=lead, outcome=outcome, actor=rep)
    with pytest.raises(ReasonRequired):
        services.set_outcome(lead=lead, outcome=outcome, reason="no_such_reason", actor=rep)
    assert _snapshot(lead) == before

    closed = services.set_outcome(lead=lead, outcome=outcome, reason=reason, actor=rep)

    assert (closed.outcome, closed.outcome_reason.key, closed.stage.key) == (outcome, reason, "sal")


def test_a_reason_from_another_list_is_refused(make_lead, rep):
    lead = make_lead("sal", owner=rep)

    with pytest.raises(ReasonRequired) as exc:
        services.set_outcome(lead=lead, outcome="lost", reason="spam", actor=rep)

    assert exc.value.message == "'spam' is not in the lost reason list."


@pytest.mark.parametrize("outcome", ["open", "maybe", ""])
def test_open_or_unknown_outcomes_are_refused(make_lead, rep, outcome):
    lead = make_lead("sal", owner=rep)

    with pytest.raises(InvalidTransition):
        services.set_outcome(lead=lead, outcome=outcome, actor=rep)

    assert Lead.objects.get(pk=lead.pk).outcome == "open"


def test_an_outcome_cannot_be_set_twice(make_lead, rep):
    lead = make_lead("sal", owner=rep)
    services.set_outcome(lead=lead, outcome="recycled", reason="not_ready", actor=rep)

    with pytest.raises(LeadClosed):
        services.set_outcome(lead=lead, outcome="lost", reason="price", actor=rep)

    assert Lead.objects.get(pk=lead.pk).outcome == "recycled"


def test_reopening_a_won_lead_returns_it_to_the_stage_it_was_won_from(make_lead, rep):
    lead = make_lead("closing", owner=rep, amount="900")
    services.set_outcome(lead=lead, outcome="won", actor=rep)

    reopened = services.reopen_lead(lead=lead, actor=rep)

    assert (reopened.outcome, reopened.stage.key, reopened.outcome_reason) == (
        "open",
        "closing",
        None,
    )
    assert [v.stage.key for v in reopened.visits.order_by("pk")] == [
        "closing",
        "customer",
        "closing",
    ]
    assert _kinds(lead)[-2:] == ["lead.outcome_set", "lead.reopened"]
    assert lead_timeline(lead_id=lead.pk).last().payload == {"from": "won", "stage": "closing"}


def test_a_recycled_lead_keeps_its_history_when_reopened(make_lead, rep):
    lead = make_lead("mql", owner=rep)
    services.set_outcome(lead=lead, outcome="recycled", reason="no_response", actor=rep)

    reopened = services.reopen_lead(lead=lead, actor=rep)

    assert (reopened.outcome, reopened.stage.key) == ("open", "mql")
    assert _kinds(lead) == ["lead.created", "lead.assigned", "lead.outcome_set", "lead.reopened"]


def test_reopening_an_open_lead_is_refused(make_lead, rep):
    lead = make_lead("mql")
    before = _snapshot(lead)

    with pytest.raises(LeadNotClosed):
        services.reopen_lead(lead=lead, actor=rep)

    assert _snapshot(lead) == before


def test_update_records_changes_and_assignment_as_separate_events(make_lead, admin_user, rep):
    lead = make_lead("mql")

    services.update_lead(
        lead=lead,
        actor=admin_user,
        changes={"owner": rep, "product_line": "analytics", "score": 40},
    )

    updated, assigned = list(lead_timeline(lead_id=lead.pk))[-2:]
    assert updated.kind == "lead.updated"
    assert updated.payload == {"changes": {"product_line": ["", "analytics"], "score": [0, 40]}}
    assert (assigned.kind, assigned.payload) == ("lead.assigned", {"from": None, "to": rep.pk})


def test_update_without_a_change_writes_no_event(make_lead, admin_user):
    lead = make_lead("mql", source="webinar")
    before = Event.objects.count()

    services.update_lead(lead=lead, actor=admin_user, changes={"source": "webinar"})

    assert Event.objects.count() == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"stage": "sal"}, "stage"),
        ({"outcome": "won"}, "outcome"),
        ({"amount": "lots"}, "amount"),
        ({"amount": "-5"}, "amount"),
        ({"amount": "NaN"}, "amount"),
    ],
)
def test_update_refuses_bad_or_lifecycle_fields(make_lead, admin_user, changes, field):
    lead = make_lead("mql")
    before = _snapshot(lead)

    with pytest.raises(Exception) as exc:
        services.update_lead(lead=lead, actor=admin_user, changes=changes)

    assert exc.value.field == field
    assert _snapshot(lead) == before


def test_viewer_cannot_move_or_close_leads(make_user, make_lead, stage):
    viewer = make_user(Role.VIEWER)
    lead = make_lead("subscriber")
    before = _snapshot(lead)

    with pytest.raises(PermissionDenied):
        services.move_lead(lead=lead, stage=stage("lead"), actor=viewer)
    with pytest.raises(PermissionDenied):
        services.set_outcome(lead=lead, outcome="lost", reason="price", actor=viewer)

    assert _snapshot(lead) == before


def test_time_in_stage_is_known_from_visits(make_lead, rep, stage):
    start = timezone.now() - timedelta(days=10)
    lead = make_lead("mql", owner=rep, created_at=start)

    services.move_lead(
        lead=lead, stage=stage("sal"), actor=rep, occurred_at=start + timedelta(days=3, hours=4)
    )

    mql_visit = lead.visits.get(stage__key="mql")
    assert mql_visit.exited_at - mql_visit.entered_at == timedelta(days=3, hours=4)


def test_the_whole_lifecycle_leaves_a_verifiable_ledger(make_lead, rep, stage):
    lead = make_lead("mql", owner=rep)
    services.move_lead(lead=lead, stage=stage("sal"), actor=rep)
    services.set_outcome(lead=lead, outcome="lost", reason="timing", actor=rep)
    services.reopen_lead(lead=lead, actor=rep)

    assert verify_chain().ok
