from datetime import timedelta

import pytest
from django.utils import timezone

from truce.assignment import selectors as assignment_selectors
from truce.assignment import services as assignment_services
from truce.errors import DomainError, PermissionDenied
from truce.funnel import services as funnel_services
from truce.funnel.errors import EntryCriterionFailed, LeadClosed, ReasonRequired
from truce.funnel.models import Disposition, Lead, StageVisit
from truce.funnel.services.disposition import (
    AlreadyDisposed,
    NotAssigned,
    accept_lead,
    reject_lead,
)
from truce.identity.models import Role
from truce.ledger.models import Event


@pytest.fixture
def sales_owner(make_user):
    return make_user(Role.SALES_OWNER, username="sally")


@pytest.fixture
def assigned(make_lead, rep, sales_owner):
    def make(**fields):
        lead = make_lead("mql", **fields)
        return assignment_services.reassign_lead(lead=lead, owner=rep, actor=sales_owner)

    return make


def _kinds(lead):
    return list(
        Event.objects.filter(lead_id=lead.pk).order_by("seq").values_list("kind", flat=True)
    )


def _snapshot(lead):
    stored = Lead.objects.get(pk=lead.pk)
    return (
        stored.owner_id,
        stored.stage.key,
        stored.disposition,
        stored.disposition_reason_id,
        stored.disposition_at,
        Event.objects.count(),
        StageVisit.objects.filter(lead=lead).count(),
    )


def test_owner_accepts_and_the_lead_becomes_sal(assigned, rep):
    lead = assigned()

    lead = accept_lead(lead=lead, actor=rep)

    stored = Lead.objects.get(pk=lead.pk)
    assert (stored.disposition, stored.stage.key, stored.owner) == ("accepted", "sal", rep)
    assert stored.disposition_at is not None
    assert _kinds(lead)[-2:] == ["lead.stage_changed", "lead.accepted"]
    accepted = Event.objects.get(lead_id=lead.pk, kind="lead.accepted")
    assert accepted.payload == {"by": rep.pk, "stage": "sal"}
    assert StageVisit.objects.filter(lead=lead, exited_at__isnull=True).get().stage.key == "sal"


def test_sales_owner_may_accept_for_the_rep(assigned, sales_owner):
    lead = accept_lead(lead=assigned(), actor=sales_owner)
    assert lead.disposition == Disposition.ACCEPTED


def test_lead_past_sal_is_accepted_where_it_is(make_lead, rep, sales_owner):
    lead = make_lead("prospecting", owner=rep)
    lead = assignment_services.reassign_lead(lead=lead, owner=rep, actor=sales_owner)

    lead = accept_lead(lead=lead, actor=rep)

    assert (lead.stage.key, lead.disposition) == ("prospecting", "accepted")


def test_owner_rejects_with_a_reason_and_marketing_gets_it_back(assigned, rep):
    lead = assigned()
    since = timezone.now() - timedelta(seconds=1)

    lead = reject_lead(lead=lead, reason="not_icp", note="Student project", actor=rep)

    stored = Lead.objects.get(pk=lead.pk)
    assert (stored.owner, stored.stage.key, stored.disposition) == (None, "lead", "rejected")
    assert stored.disposition_reason.key == "not_icp"
    assert _kinds(lead)[-2:] == ["lead.rejected", "lead.stage_changed"]
    rejected = Event.objects.get(lead_id=lead.pk, kind="lead.rejected")
    assert rejected.payload == {
        "reason": "not_icp",
        "note": "Student project",
        "by": rep.pk,
        "from": rep.pk,
    }
    visits = list(StageVisit.objects.filter(lead=lead).values_list("stage__key", "exited_at"))
    assert [key for key, _ in visits] == ["mql", "lead"]
    assert visits[0][1] is not None and visits[1][1] is None
    assert list(assignment_selectors.rejected_leads(since=since)) == [stored]
    assert list(assignment_selectors.rejected_leads(since=timezone.now())) == []


def test_rejected_lead_leaves_the_queue_and_can_be_routed_again(assigned, rep, make_user):
    lead = assigned()
    reject_lead(lead=lead, reason="bad_data", actor=rep)
    assert list(assignment_selectors.queue_for(user=rep)) == []

    other = make_user(Role.SALES_REP)
    pool = assignment_services.create_pool(name="P", is_default=True, actor=None)
    assignment_services.add_member(pool=pool, user=other, actor=None)
    assert assignment_services.route_lead(lead=lead, actor=None) == other
    assert Lead.objects.get(pk=lead.pk).disposition == Disposition.NONE


@pytest.mark.parametrize(
    ("reason", "error", "message"),
    [
        (None, ReasonRequired, "Rejecting a lead needs a reason from the rejected list."),
        ("", ReasonRequired, "Rejecting a lead needs a reason from the rejected list."),
        ("price", ReasonRequired, "'price' is not in the rejected reason list."),
        ("nonsense", ReasonRequired, "'nonsense' is not in the rejected reason list."),
    ],
)
def test_reject_needs_a_reason_from_the_rejected_list(assigned, rep, reason, error, message):
    lead = assigned()
    before = _snapshot(lead)

    with pytest.raises(error) as refused:
        reject_lead(lead=lead, reason=reason, actor=rep)

    assert (refused.value.field, refused.value.message) == ("reason", message)
    assert _snapshot(lead) == before


def test_too_long_note_is_refused(assigned, rep):
    lead = assigned()
    before = _snapshot(lead)
    with pytest.raises(DomainError) as refused:
        reject_lead(lead=lead, reason="not_icp", note="x" * 1001, actor=rep)
    assert refused.value.field == "note"
    assert _snapshot(lead) == before


@pytest.mark.parametrize("action", ["accept", "reject"])
def test_another_rep_may_not_dispose(assigned, make_user, action):
    lead = assigned()
    other = make_user(Role.SALES_REP)
    before = _snapshot(lead)

    with pytest.raises(PermissionDenied):
        _dispose(action, lead, other)
    assert _snapshot(lead) == before


def test_a_marketer_may_not_accept(assigned, marketer):
    lead = assigned()
    before = _snapshot(lead)
    with pytest.raises(PermissionDenied):
        accept_lead(lead=lead, actor=marketer)
    assert _snapshot(lead) == before


def _dispose(action, lead, actor):
    if action == "accept":
        return accept_lead(lead=lead, actor=actor)
    return reject_lead(lead=lead, reason="not_icp", actor=actor)


@pytest.mark.parametrize("first", ["accept", "reject"])
@pytest.mark.parametrize("second", ["accept", "reject"])
def test_already_disposed_is_refused(assigned, sales_owner, first, second):
    lead = _dispose(first, assigned(), sales_owner)
    before = _snapshot(lead)

    with pytest.raises((AlreadyDisposed, NotAssigned, PermissionDenied)):
        _dispose(second, lead, sales_owner)
    assert _snapshot(lead) == before


def test_accepting_twice_says_already_disposed(assigned, rep):
    lead = accept_lead(lead=assigned(), actor=rep)
    with pytest.raises(AlreadyDisposed) as refused:
        accept_lead(lead=lead, actor=rep)
    assert refused.value.message == "The lead was already accepted; reassign it to ask again."


@pytest.mark.parametrize("action", ["accept", "reject"])
def test_closed_lead_is_refused(assigned, rep, admin_user, action):
    lead = assigned()
    funnel_services.set_outcome(lead=lead, outcome="disqualified", reason="spam", actor=admin_user)
    before = _snapshot(lead)

    with pytest.raises(LeadClosed):
        _dispose(action, lead, rep)
    assert _snapshot(lead) == before


@pytest.mark.parametrize("action", ["accept", "reject"])
def test_unassigned_lead_is_refused(make_lead, sales_owner, action):
    lead = make_lead("mql")
    before = _snapshot(lead)

    with pytest.raises(NotAssigned):
        _dispose(action, lead, sales_owner)
    assert _snapshot(lead) == before


def test_accept_refused_by_sal_entry_criteria_changes_nothing(assigned, rep, stage, admin_user):
    sal = stage("sal")
    funnel_services.update_stage(
        stage=sal,
        actor=admin_user,
        changes={"entry_criteria": [{"name": "Big", "rule": "score >= 1000"}]},
    )
    lead = assigned()
    before = _snapshot(lead)

    with pytest.raises(EntryCriterionFailed):
        accept_lead(lead=lead, actor=rep)
    assert _snapshot(lead) == before


def test_reject_ignores_entry_criteria_on_the_way_back(make_lead, make_contact, rep, sales_owner):
    # The lead stage asks for an email address; a rejected lead lands there anyway.
    lead = make_lead("sal", contact=make_contact(email=""), owner=rep)
    lead = assignment_services.reassign_lead(lead=lead, owner=rep, actor=sales_owner)

    lead = reject_lead(lead=lead, reason="bad_data", actor=rep)

    assert (lead.stage.key, lead.owner) == ("lead", None)
