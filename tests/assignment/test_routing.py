from collections import Counter

import pytest

from truce.assignment import services
from truce.assignment.errors import NotAssignable
from truce.errors import PermissionDenied
from truce.funnel import services as funnel_services
from truce.funnel.errors import InvalidRule
from truce.funnel.models import Disposition, Lead
from truce.identity.models import Role
from truce.ledger.models import Event


@pytest.fixture
def reps(make_user):
    return [make_user(Role.SALES_REP, username=name) for name in ("ann", "bob", "cem")]


@pytest.fixture
def mql(make_lead, make_contact, make_company):
    def make(**company_fields):
        company = make_company(**company_fields) if company_fields else None
        return make_lead("mql", contact=make_contact(company=company))

    return make


def test_route_assigns_through_update_lead_and_writes_routed(reps, make_pool, mql, kinds):
    pool = make_pool("Everyone", [reps[0]], is_default=True)
    lead = mql()

    owner = services.route_lead(lead=lead, actor=None)

    stored = Lead.objects.get(pk=lead.pk)
    assert owner == reps[0]
    assert stored.owner == reps[0] and lead.owner == reps[0]
    assert stored.assigned_at is not None and lead.assigned_at == stored.assigned_at
    assert stored.disposition == Disposition.NONE
    assert kinds(lead)[-2:] == ["lead.routed", "lead.assigned"]
    routed = Event.objects.get(lead_id=lead.pk, kind="lead.routed")
    assert routed.payload == {
        "rule": None,
        "rule_id": None,
        "pool": "Everyone",
        "pool_id": pool.pk,
        "to": reps[0].pk,
    }
    assigned = Event.objects.get(lead_id=lead.pk, kind="lead.assigned")
    assert assigned.payload == {"from": None, "to": reps[0].pk}


def test_rules_are_tried_in_position_order(reps, make_pool, make_rule, mql):
    make_pool("Default", [reps[0]], is_default=True)
    big = make_pool("Enterprise", [reps[1]])
    benelux = make_pool("Benelux", [reps[2]])
    make_rule("Big accounts", "company_employees >= 1000", big, position=2)
    make_rule("Benelux", "company_country in ['FR', 'BE']", benelux, position=1)

    big_belgian = mql(country="BE", employees=5000)
    big_german = mql(country="DE", employees=5000)
    small_german = mql(country="DE", employees=10)
    no_company = mql()

    assert services.route_lead(lead=big_belgian, actor=None) == reps[2]
    assert services.route_lead(lead=big_german, actor=None) == reps[1]
    assert services.route_lead(lead=small_german, actor=None) == reps[0]
    # company_employees is null here: a rule that cannot be evaluated does not match.
    assert services.route_lead(lead=no_company, actor=None) == reps[0]
    routed = Event.objects.get(lead_id=big_belgian.pk, kind="lead.routed")
    assert (routed.payload["rule"], routed.payload["pool"]) == ("Benelux", "Benelux")


def test_inactive_rule_is_ignored(reps, make_pool, make_rule, mql, sales_owner):
    make_pool("Default", [reps[0]], is_default=True)
    rule = make_rule("All", "true", make_pool("Other", [reps[1]]))
    services.update_rule(rule=rule, actor=sales_owner, changes={"is_active": False})

    assert services.route_lead(lead=mql(), actor=None) == reps[0]


def test_weighted_round_robin_matches_weights_exactly(reps, make_pool, mql):
    make_pool("Weighted", [(reps[0], 5), (reps[1], 3), (reps[2], 2)], is_default=True)

    owners = [services.route_lead(lead=mql(), actor=None).username for _ in range(100)]

    assert Counter(owners) == {"ann": 50, "bob": 30, "cem": 20}
    # Smooth: the heavy member's turns are spread, never more than two in a row here.
    assert owners[:10] == ["ann", "bob", "cem", "ann", "ann", "bob", "ann", "cem", "bob", "ann"]


def test_away_inactive_member_and_full_people_are_skipped(
    reps, make_pool, mql, sales_owner, make_lead
):
    ann, bob, cem = reps
    pool = make_pool("Pool", [ann, bob, cem], is_default=True)
    ann.is_away = True
    ann.save()
    member = pool.members.get(user=cem)
    services.update_member(member=member, actor=sales_owner, changes={"active": False})
    bob.capacity = 2
    bob.save()

    first, second, third = mql(), mql(), mql()
    assert services.route_lead(lead=first, actor=None) == bob
    assert services.route_lead(lead=second, actor=None) == bob
    assert services.route_lead(lead=third, actor=None) is None
    assert Lead.objects.get(pk=third.pk).owner is None
    unroutable = Event.objects.get(lead_id=third.pk, kind="lead.unroutable")
    assert unroutable.payload == {"pool": "Pool", "pool_id": pool.pk, "reason": "nobody_available"}


def test_capacity_counts_only_open_not_rejected_leads(reps, make_pool, mql, admin_user):
    ann = reps[0]
    ann.capacity = 1
    ann.save()
    make_pool("Pool", [ann], is_default=True)
    won = mql()
    services.route_lead(lead=won, actor=None)
    funnel_services.set_outcome(lead=won, outcome="won", amount="10", actor=admin_user)
    rejected = mql()
    funnel_services.update_lead(lead=rejected, actor=admin_user, changes={"owner": ann})
    Lead.objects.filter(pk=rejected.pk).update(disposition=Disposition.REJECTED)

    assert services.route_lead(lead=mql(), actor=None) == ann
    assert services.route_lead(lead=mql(), actor=None) is None


def test_no_pool_at_all_leaves_lead_unassigned(mql, kinds):
    lead = mql()

    assert services.route_lead(lead=lead, actor=None) is None

    assert kinds(lead)[-1] == "lead.unroutable"
    event = Event.objects.get(lead_id=lead.pk, kind="lead.unroutable")
    assert event.payload == {"pool": None, "pool_id": None, "reason": "no_pool"}


def test_empty_pool_is_unroutable(make_pool, mql):
    pool = make_pool("Empty", [], is_default=True)
    lead = mql()

    assert services.route_lead(lead=lead, actor=None) is None
    event = Event.objects.get(lead_id=lead.pk, kind="lead.unroutable")
    assert event.payload == {"pool": "Empty", "pool_id": pool.pk, "reason": "no_members"}


def test_routing_twice_keeps_the_owner(reps, make_pool, mql, event_count):
    make_pool("Pool", reps, is_default=True)
    lead = mql()
    owner = services.route_lead(lead=lead, actor=None)
    before = event_count()

    assert services.route_lead(lead=lead, actor=None) == owner
    assert event_count() == before


def test_closed_lead_is_not_routed(reps, make_pool, mql, admin_user, event_count):
    make_pool("Pool", reps, is_default=True)
    lead = mql()
    funnel_services.set_outcome(lead=lead, outcome="disqualified", reason="spam", actor=admin_user)
    before = event_count()

    with pytest.raises(NotAssignable):
        services.route_lead(lead=lead, actor=None)
    assert event_count() == before


def test_reassign_by_sales_owner_resets_disposition(reps, make_pool, mql, sales_owner, kinds):
    make_pool("Pool", [reps[0]], is_default=True)
    lead = mql()
    services.route_lead(lead=lead, actor=None)
    Lead.objects.filter(pk=lead.pk).update(disposition=Disposition.ACCEPTED)

    lead = services.reassign_lead(lead=lead, owner=reps[1], actor=sales_owner, reason="holiday")

    stored = Lead.objects.get(pk=lead.pk)
    assert (stored.owner, stored.disposition) == (reps[1], Disposition.NONE)
    assert kinds(lead)[-2:] == ["lead.assigned", "lead.reassigned"]
    event = Event.objects.get(lead_id=lead.pk, kind="lead.reassigned")
    assert event.payload == {"from": reps[0].pk, "to": reps[1].pk, "reason": "holiday"}
    assert event.actor_id == sales_owner.pk


def test_marketing_owner_may_reassign(reps, mql, make_user):
    owner = make_user(Role.MARKETING_OWNER)
    lead = services.reassign_lead(lead=mql(), owner=reps[0], actor=owner)
    assert lead.owner == reps[0]


def test_rep_may_not_reassign(reps, mql, event_count):
    lead = mql()
    before = event_count()

    with pytest.raises(PermissionDenied):
        services.reassign_lead(lead=lead, owner=reps[0], actor=reps[1])
    assert event_count() == before
    assert Lead.objects.get(pk=lead.pk).owner is None


def test_bad_rule_is_refused_with_its_position(make_pool, sales_owner, event_count):
    pool = make_pool("Pool")
    before = event_count()

    with pytest.raises(InvalidRule) as refused:
        services.create_rule(
            name="Broken", condition="company_country in ['FR'", pool=pool, actor=sales_owner
        )
    assert refused.value.field == "condition"
    assert "at the end" in refused.value.message or "position" in refused.value.message
    with pytest.raises(InvalidRule) as refused:
        services.create_rule(name="Broken", condition="x == == 1", pool=pool, actor=sales_owner)
    assert refused.value.message == "Syntax error at position 6 ('==') in rule 'x == == 1'."
    assert event_count() == before


def test_rep_may_not_configure_routing(reps):
    with pytest.raises(PermissionDenied):
        services.create_pool(name="Mine", actor=reps[0])


def test_one_default_pool_per_team(make_pool, sales_owner):
    first = make_pool("First", [], is_default=True, team=sales_owner.team)
    second = make_pool("Second", [], is_default=True, team=sales_owner.team)
    first.refresh_from_db()
    assert (first.is_default, second.is_default) == (False, True)
