"""Qualification: a lead that meets the definition in force becomes an MQL and is routed."""

from datetime import timedelta

import pytest

from truce.assignment import services as assignment
from truce.funnel.models import Lead
from truce.funnel.services import move_lead, qualification, set_outcome
from truce.identity.models import Role
from truce.ledger.models import Event
from truce.scoring import services as scoring
from truce.touches import services as touch_services


@pytest.fixture
def owners(make_user):
    return make_user(Role.MARKETING_OWNER), make_user(Role.SALES_OWNER)


@pytest.fixture
def in_force(owners):
    """Put a definition in force and return it."""

    def make(rule: str):
        marketing, sales = owners
        definition = qualification.propose_definition(rule=rule, actor=marketing)
        qualification.sign_definition(version=definition.version, actor=marketing)
        return qualification.sign_definition(version=definition.version, actor=sales)

    return make


@pytest.fixture
def inbound_pool(admin_user, rep):
    pool = assignment.create_pool(name="Inbound", actor=admin_user, is_default=True)
    assignment.add_member(pool=pool, user=rep, actor=admin_user)
    return pool


@pytest.fixture
def scoring_rules(marketer):
    scoring.create_rule(
        actor=marketer,
        kind="fit",
        name="Big company",
        points=40,
        expression="company_employees >= 50",
    )
    scoring.create_rule(
        actor=marketer, kind="engagement", name="Webinar", points=10, touch_kind="webinar"
    )


@pytest.fixture
def big_lead(make_company, make_contact, make_lead):
    company = make_company(name="Acme", domain="acme.example", employees=250)
    return make_lead("lead", contact=make_contact(company=company))


def webinar(lead, actor):
    return touch_services.record_touch(lead=lead, kind="webinar", actor=actor)


def kinds(lead):
    return list(
        Event.objects.filter(lead_id=lead.pk).order_by("seq").values_list("kind", flat=True)
    )


def test_a_lead_touched_until_it_qualifies_becomes_an_mql_and_is_routed(
    big_lead, scoring_rules, in_force, inbound_pool, marketer, rep
):
    definition = in_force("fit_score >= 40 and engagement_score >= 30")
    webinar(big_lead, marketer)
    webinar(big_lead, marketer)
    big_lead.refresh_from_db()
    assert (big_lead.stage.key, big_lead.score, big_lead.qualified_at) == ("lead", 60, None)

    webinar(big_lead, marketer)

    big_lead.refresh_from_db()
    assert (big_lead.stage.key, big_lead.score) == ("mql", 70)
    assert big_lead.qualified_by == definition
    assert big_lead.qualified_at == big_lead.stage_entered_at
    assert big_lead.owner == rep
    qualified = Event.objects.get(kind="lead.qualified", lead_id=big_lead.pk)
    assert qualified.payload == {"definition_version": 1}
    assert kinds(big_lead)[-6:] == [
        "touch.recorded",
        "lead.scored",
        "lead.stage_changed",
        "lead.qualified",
        "lead.routed",
        "lead.assigned",
    ]


def test_without_a_definition_in_force_nothing_qualifies(big_lead, scoring_rules, owners, marketer):
    marketing, _ = owners
    qualification.propose_definition(rule="fit_score >= 40", actor=marketing)
    qualification.sign_definition(version=1, actor=marketing)  # sales has not signed

    webinar(big_lead, marketer)

    big_lead.refresh_from_db()
    assert (big_lead.stage.key, big_lead.qualified_by) == ("lead", None)


@pytest.mark.parametrize("stage_key", ["mql", "sal"])
def test_leads_at_or_past_mql_are_left_alone(
    stage_key, make_lead, scoring_rules, in_force, marketer, rep, make_contact
):
    in_force("score >= 0")
    lead = make_lead(stage_key, owner=rep)

    webinar(lead, marketer)

    lead.refresh_from_db()
    assert (lead.stage.key, lead.qualified_at) == (stage_key, None)


def test_a_closed_lead_is_not_qualified(big_lead, scoring_rules, in_force, admin_user):
    in_force("fit_score >= 40")
    set_outcome(lead=big_lead, outcome="disqualified", reason="spam", actor=admin_user)

    qualification.refresh_lead(lead_id=big_lead.pk, actor=admin_user)

    big_lead.refresh_from_db()
    assert (big_lead.stage.key, big_lead.qualified_at) == ("lead", None)


def test_mql_entry_criteria_still_apply(make_contact, make_lead, scoring_rules, in_force, marketer):
    in_force("engagement_score >= 10")
    lead = make_lead("subscriber", contact=make_contact(email=""))

    webinar(lead, marketer)

    lead.refresh_from_db()
    assert (lead.stage.key, lead.engagement_score, lead.qualified_at) == ("subscriber", 10, None)
    assert "lead.qualified" not in kinds(lead)


def test_a_qualified_lead_is_not_qualified_again(
    big_lead, scoring_rules, in_force, inbound_pool, marketer, admin_user, stage
):
    in_force("fit_score >= 40")
    qualification.refresh_lead(lead_id=big_lead.pk, actor=admin_user)
    big_lead.refresh_from_db()
    move_lead(lead=big_lead, stage=stage("lead"), actor=admin_user)  # sent back by hand

    webinar(big_lead, marketer)

    assert Event.objects.filter(kind="lead.qualified", lead_id=big_lead.pk).count() == 1


def test_a_definition_coming_into_force_reaches_leads_on_the_sweep(
    big_lead, scoring_rules, in_force, inbound_pool, rep
):
    qualification.refresh_open_leads()  # scores the lead; nothing is in force yet
    definition = in_force("fit_score >= 40")

    first = qualification.refresh_open_leads()
    second = qualification.refresh_open_leads()

    big_lead.refresh_from_db()
    assert (first, second) == ((0, 1), (0, 0))
    assert (big_lead.stage.key, big_lead.qualified_by, big_lead.owner) == ("mql", definition, rep)


def test_the_sweep_walks_every_open_lead_in_chunks(make_lead, scoring_rules, in_force):
    leads = [make_lead("lead") for _ in range(5)]
    in_force("score >= 0")

    assert qualification.refresh_open_leads(chunk_size=2) == (0, 5)
    assert Lead.objects.filter(pk__in=[x.pk for x in leads], stage__key="mql").count() == 5


def test_engagement_that_decayed_below_the_bar_does_not_qualify(
    big_lead, marketer, in_force, admin_user
):
    scoring.create_rule(
        actor=marketer,
        kind="engagement",
        name="Demo",
        points=40,
        touch_kind="demo",
        half_life_days=7,
    )
    touch_services.record_touch(lead=big_lead, kind="demo", actor=admin_user)
    in_force("engagement_score >= 30")

    qualification.refresh_open_leads(now=big_lead.created_at + timedelta(days=7))

    big_lead.refresh_from_db()
    assert (big_lead.engagement_score, big_lead.stage.key) == (20, "lead")
