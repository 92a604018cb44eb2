"""Configuring scoring rules: validated, each change a ledger event, refusals change nothing."""

import pytest

from truce.errors import DomainError, PermissionDenied
from truce.funnel.errors import InvalidRule
from truce.ledger.models import Event
from truce.scoring import services
from truce.scoring.models import ScoringRule


def test_a_fit_rule_is_created_with_its_event(make_rule):
    rule = make_rule("fit", "Big company", 20, expression="company_employees >= 50")

    assert (rule.kind, rule.name, rule.points, rule.expression) == (
        "fit",
        "Big company",
        20,
        "company_employees >= 50",
    )
    event = Event.objects.get(kind="scoring_rule.created")
    assert event.subject_id == rule.pk
    assert event.payload == {
        "kind": "fit",
        "name": "Big company",
        "points": 20,
        "expression": "company_employees >= 50",
        "touch_kind": "",
        "channel": "",
        "campaign": None,
        "half_life_days": None,
    }


def test_an_engagement_rule_matches_touches_with_a_half_life(make_rule, make_campaign):
    campaign = make_campaign(name="Spring webinar")
    rule = make_rule(
        "engagement",
        "Webinar",
        15,
        touch_kind="webinar",
        channel="events",
        campaign=campaign,
        half_life_days=14,
    )

    assert (rule.touch_kind, rule.channel, rule.campaign, rule.half_life_days) == (
        "webinar",
        "events",
        campaign,
        14,
    )


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        (
            "company_employees >= and x",
            "Syntax error at position 22 ('and') in rule 'company_employees >= and x'.",
        ),
        (
            "company_employes >= 50",
            "Unknown name 'company_employes' at position 1 in rule 'company_employes >= 50'; "
            "the names a rule may use are listed in docs/reference/rules.md.",
        ),
        ("  ", "A rule is required."),
    ],
)
def test_a_bad_fit_rule_is_refused_with_position_and_nothing_changes(
    make_rule, expression, message
):
    before = Event.objects.count()

    with pytest.raises(InvalidRule) as exc:
        make_rule("fit", expression=expression)

    assert (exc.value.message, exc.value.field) == (message, "expression")
    assert ScoringRule.objects.count() == 0
    assert Event.objects.count() == before


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "vibes"}, "kind"),
        ({"kind": "engagement", "touch_kind": "telepathy"}, "touch_kind"),
        ({"kind": "engagement", "touch_kind": "webinar", "half_life_days": 0}, "half_life_days"),
        (
            {"kind": "engagement", "touch_kind": "webinar", "expression": "score > 1"},
            "expression",
        ),
        ({"kind": "fit", "expression": "score > 1", "touch_kind": "webinar"}, "touch_kind"),
        ({"kind": "fit", "expression": "score > 1", "points": 5000}, "points"),
        ({"kind": "fit", "expression": "score > 1", "name": " "}, "name"),
    ],
)
def test_inconsistent_rules_are_refused(marketer, fields, field):
    values = {"kind": "fit", "name": "r", "points": 5, **fields}
    before = Event.objects.count()

    with pytest.raises(DomainError) as exc:
        services.create_rule(actor=marketer, **values)

    assert exc.value.field == field
    assert (ScoringRule.objects.count(), Event.objects.count()) == (0, before)


def test_a_sales_rep_may_not_configure_scoring(rep):
    with pytest.raises(PermissionDenied):
        services.create_rule(actor=rep, kind="fit", name="x", points=1, expression="score > 1")


def test_update_and_deactivate_leave_events(make_rule, marketer):
    rule = make_rule("fit", "Big", 10, expression="company_employees >= 50")

    services.update_rule(rule=rule, actor=marketer, changes={"points": 25})
    services.deactivate_rule(rule=rule, actor=marketer)

    rule.refresh_from_db()
    assert (rule.points, rule.is_active) == (25, False)
    events = list(
        Event.objects.filter(subject_type="scoring_rule")
        .order_by("seq")
        .values_list("kind", "payload")
    )
    assert events[1:] == [
        ("scoring_rule.updated", {"changes": {"points": [10, 25]}}),
        ("scoring_rule.deactivated", {"changes": {"is_active": [True, False]}}),
    ]


def test_a_bad_update_changes_nothing(make_rule, marketer):
    rule = make_rule("fit", "Big", 10, expression="company_employees >= 50")
    before = Event.objects.count()

    with pytest.raises(InvalidRule):
        services.update_rule(rule=rule, actor=marketer, changes={"expression": "company_ >"})

    rule.refresh_from_db()
    assert rule.expression == "company_employees >= 50"
    assert Event.objects.count() == before


def test_the_kind_of_a_rule_cannot_change(make_rule, marketer):
    rule = make_rule("fit", "Big", 10, expression="company_employees >= 50")

    with pytest.raises(DomainError) as exc:
        services.update_rule(rule=rule, actor=marketer, changes={"kind": "engagement"})

    assert exc.value.field == "kind"


def test_every_name_lead_facts_gives_may_be_used_in_a_rule(make_lead):
    from truce.funnel.rules import FACT_NAMES, lead_facts

    facts = lead_facts(make_lead("lead"))

    assert set(facts) == FACT_NAMES
    assert (facts["fit_score"], facts["engagement_score"]) == (0, 0)
