"""Scores from rules: exact values, decay with time, an explanation that sums to the score."""

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from truce.funnel.services import qualification
from truce.ledger.models import Event
from truce.scoring import services
from truce.scoring.models import ScoringRule
from truce.touches import services as touch_services

from .conftest import NOW


@pytest.fixture
def big_lead(make_company, make_contact, make_lead):
    company = make_company(name="Acme", domain="acme.example", employees=250)
    return make_lead("lead", contact=make_contact(company=company))


def touch(lead, kind, when, actor, **fields):
    return touch_services.record_touch(
        lead=lead, kind=kind, actor=actor, occurred_at=when, **fields
    )


def scored_events(lead):
    return list(Event.objects.filter(kind="lead.scored", lead_id=lead.pk).order_by("seq"))


def test_fit_and_engagement_make_the_score_with_the_rules_behind_it(
    big_lead, make_rule, admin_user, days_ago
):
    big = make_rule("fit", "Big company", 20, expression="company_employees >= 50")
    make_rule("fit", "In France", 5, expression="company_country == 'FR'")
    webinar = make_rule("engagement", "Webinar", 10, touch_kind="webinar", half_life_days=7)
    touch(big_lead, "webinar", days_ago(7), admin_user)  # 10 × 0.5 = 5
    touch(big_lead, "webinar", days_ago(14), admin_user)  # 10 × 0.25 = 2.5

    services.score_lead(lead=big_lead, actor=None, now=NOW)

    big_lead.refresh_from_db()
    assert (big_lead.fit_score, big_lead.engagement_score, big_lead.score) == (20, 8, 28)
    assert big_lead.score_explanation == [
        {"rule_id": big.pk, "name": "Big company", "kind": "fit", "points": 20},
        {"rule_id": webinar.pk, "name": "Webinar", "kind": "engagement", "points": 8},
    ]
    assert big_lead.scored_at == NOW


def test_a_touch_rescores_the_lead_at_once(big_lead, make_rule, admin_user):
    make_rule("engagement", "Demo", 30, touch_kind="demo")

    touch_services.record_touch(lead=big_lead, kind="demo", actor=admin_user)

    big_lead.refresh_from_db()
    assert (big_lead.engagement_score, big_lead.score) == (30, 30)
    [event] = scored_events(big_lead)
    assert event.payload == {
        "fit": 0,
        "engagement": 30,
        "score": 30,
        "previous": {"fit": 0, "engagement": 0, "score": 0},
    }


def test_a_lead_edit_rescores_the_fit(big_lead, make_rule, admin_user):
    from truce.funnel.services import update_lead

    make_rule("fit", "Has budget", 15, expression="facts['budget'] >= 1000")

    lead = update_lead(lead=big_lead, actor=admin_user, changes={"facts": {"budget": 5000}})

    assert (lead.fit_score, lead.score) == (15, 15)


def test_a_score_event_is_written_only_when_the_value_changes(big_lead, make_rule):
    make_rule("fit", "Big company", 20, expression="company_employees >= 50")

    assert services.score_lead(lead=big_lead, actor=None, now=NOW) is True
    assert services.score_lead(lead=big_lead, actor=None, now=NOW) is False

    assert len(scored_events(big_lead)) == 1


def test_channel_and_campaign_narrow_what_an_engagement_rule_counts(
    big_lead, make_rule, make_campaign, admin_user, days_ago
):
    spring = make_campaign(name="Spring")
    make_rule("engagement", "Spring clicks", 4, touch_kind="ad_click", campaign=spring)
    make_rule("engagement", "LinkedIn clicks", 3, touch_kind="ad_click", channel="linkedin")
    touch(big_lead, "ad_click", days_ago(1), admin_user, campaign=spring, channel="LinkedIn")
    touch(big_lead, "ad_click", days_ago(1), admin_user, channel="google")
    touch(big_lead, "ad_click", days_ago(1), admin_user, campaign=spring)
    touch(big_lead, "page_visit", days_ago(1), admin_user, campaign=spring)

    services.score_lead(lead=big_lead, actor=None, now=NOW)

    big_lead.refresh_from_db()
    assert [(line["name"], line["points"]) for line in big_lead.score_explanation] == [
        ("Spring clicks", 8),
        ("LinkedIn clicks", 3),
    ]


def test_engagement_decays_on_the_scheduled_rescore(big_lead, make_rule, admin_user, days_ago):
    make_rule("engagement", "Download", 20, touch_kind="content_download", half_life_days=10)
    touch(big_lead, "content_download", days_ago(0), admin_user)
    services.score_lead(lead=big_lead, actor=None, now=NOW)

    rescored = qualification.refresh_open_leads(now=NOW + timedelta(days=10))
    again = qualification.refresh_open_leads(now=NOW + timedelta(days=10))

    big_lead.refresh_from_db()
    assert big_lead.engagement_score == 10
    assert (rescored, again) == ((1, 0), (0, 0))
    assert scored_events(big_lead)[-1].payload == {
        "fit": 0,
        "engagement": 10,
        "score": 10,
        "previous": {"fit": 0, "engagement": 20, "score": 20},
    }


def test_a_touch_after_now_does_not_count_yet(big_lead, make_rule, admin_user, days_ago):
    make_rule("engagement", "Call", 10, touch_kind="call")
    touch(big_lead, "call", days_ago(0), admin_user)

    services.score_lead(lead=big_lead, actor=None, now=NOW - timedelta(days=1))

    big_lead.refresh_from_db()
    assert big_lead.engagement_score == 0


def test_a_hand_set_score_stands_until_scoring_is_configured(make_lead):
    lead = make_lead("lead", score=55)

    assert services.score_lead(lead=lead, actor=None, now=NOW) is False
    lead.refresh_from_db()
    assert (lead.score, lead.score_explanation) == (55, None)


def test_a_deactivated_rule_no_longer_counts(big_lead, make_rule, marketer):
    rule = make_rule("fit", "Big company", 20, expression="company_employees >= 50")
    services.score_lead(lead=big_lead, actor=None, now=NOW)

    services.deactivate_rule(rule=rule, actor=marketer)
    services.score_lead(lead=big_lead, actor=None, now=NOW)

    big_lead.refresh_from_db()
    assert (big_lead.score, big_lead.score_explanation) == (0, [])


def test_a_rule_that_cannot_be_evaluated_adds_nothing(big_lead, make_rule):
    make_rule("fit", "Budget", 10, expression="facts['budget'] > 100")

    services.score_lead(lead=big_lead, actor=None, now=NOW)

    big_lead.refresh_from_db()
    assert big_lead.fit_score == 0


# Properties of the arithmetic.

ages = st.floats(min_value=0, max_value=3650, allow_nan=False)
half_lives = st.integers(min_value=1, max_value=365)


@given(points=st.integers(-1000, 1000), a=ages, b=ages, half_life=half_lives)
def test_decay_is_monotone_in_age(points, a, b, half_life):
    younger, older = sorted((a, b))
    value_young = services.decayed(points, younger, half_life)
    value_old = services.decayed(points, older, half_life)

    assert abs(value_old) <= abs(value_young) <= abs(points)
    assert value_old * points >= 0  # decay never flips the sign


def _rule(pk, kind, points, **fields):
    return ScoringRule(pk=pk, kind=kind, name=f"r{pk}", points=points, **fields)


touch_facts = st.builds(
    services.TouchFact,
    kind=st.sampled_from(["webinar", "call", "demo"]),
    channel=st.sampled_from(["", "events"]),
    campaign_id=st.none(),
    occurred_at=st.integers(0, 400 * 24).map(lambda hours: NOW - timedelta(hours=hours)),
)
rule_sets = st.lists(
    st.tuples(
        st.sampled_from(["webinar", "call", "demo"]),
        st.integers(-1000, 1000),
        st.none() | half_lives,
    ),
    max_size=5,
)


@given(
    fit_points=st.lists(st.integers(-1000, 1000), max_size=3),
    engagement=rule_sets,
    touches=st.lists(touch_facts, max_size=20),
)
def test_the_explanation_always_sums_to_the_score(fit_points, engagement, touches):
    rules = [_rule(i + 1, "fit", p, expression="score >= 0") for i, p in enumerate(fit_points)]
    rules += [
        _rule(100 + i, "engagement", p, touch_kind=k, half_life_days=h)
        for i, (k, p, h) in enumerate(engagement)
    ]

    score = services.compute_score(facts={"score": 1}, touches=touches, rules=rules, now=NOW)

    lines = score.explanation
    assert sum(line["points"] for line in lines) == score.total
    assert sum(line["points"] for line in lines if line["kind"] == "fit") == score.fit
    assert all(line["points"] != 0 for line in lines)


@given(points=st.integers(1, 1000), half_life=half_lives, touches=st.lists(touch_facts, max_size=8))
def test_a_rule_total_never_grows_as_time_passes(points, half_life, touches):
    rule = _rule(1, "engagement", points, touch_kind="webinar", half_life_days=half_life)
    later = NOW + timedelta(days=3)

    now_points = services.engagement_points(rule, touches, NOW)

    assert 0 <= services.engagement_points(rule, touches, later) <= now_points


def test_the_rescore_task_runs_the_sweep(big_lead, make_rule):
    from truce.scoring.tasks import rescore_all

    make_rule("fit", "Big company", 20, expression="company_employees >= 50")

    assert rescore_all.call() == {"rescored": 1, "qualified": 0}
    assert rescore_all.call() == {"rescored": 0, "qualified": 0}


def test_a_rule_change_rescores_every_open_lead_after_commit(
    big_lead, make_rule, django_capture_on_commit_callbacks
):
    # the tests run tasks with the immediate backend: the enqueued sweep runs at commit
    with django_capture_on_commit_callbacks(execute=True):
        make_rule("fit", "Big company", 20, expression="company_employees >= 50")

    big_lead.refresh_from_db()
    assert big_lead.fit_score == 20
