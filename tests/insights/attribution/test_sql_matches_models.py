"""The set-based SQL gives every campaign and channel exactly the credits the pure functions
give, lead by lead, summed: on seeded random leads with ties, leads without touches, touches
after the conversion, sales touches, missing milestones and fractions of seconds."""

import random
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest

from tests.insights.given import given_facts, given_paths
from truce.insights.attribution import MODELS, Conversion, Touch, attribute
from truce.insights.attribution.query import Ask, credits
from truce.insights.attribution.values import UNITS_PER_COUNT, VALUES
from truce.insights.facts.source import LIVE
from truce.insights.models import LeadFacts
from truce.touches.models import Touch as TouchRow

from .conftest import day


def moment(rng, around):
    """On a coarse grid (ties) and sometimes with microseconds."""
    at = day(around) + timedelta(hours=rng.randrange(-48, 200, 12))
    return at + timedelta(microseconds=rng.choice([0, 0, 250_000, 999_999]))


def maybe(rng, around, chance=0.6):
    return moment(rng, around) if rng.random() < chance else None


@pytest.fixture
def random_leads(make_lead, make_campaign):
    rng = random.Random(4)
    campaigns = [make_campaign(channel=ch) for ch in ("paid_search", "email", "")] + [None]
    for _ in range(30):
        lead = make_lead()
        created = rng.uniform(0, 10)
        won = maybe(rng, created + 6, 0.5)
        given_facts(
            lead_id=lead.pk,
            created_at=day(created),
            cohort="2026-01",
            qualified_at=maybe(rng, created + 2),
            opportunity_at=maybe(rng, created + 4),
            won_at=won,
            outcome="won" if won else "open",
            amount=Decimal(rng.randrange(0, 10**7)) / 100 if rng.random() < 0.9 else None,
        )
        TouchRow.objects.bulk_create(
            TouchRow(
                lead=lead,
                contact_id=lead.contact_id,
                kind="email_click",
                team=rng.choice(["marketing", "marketing", "marketing", "sales"]),
                channel=rng.choice(["", "", "social"]),
                campaign=rng.choice(campaigns),
                occurred_at=(at := moment(rng, created + rng.uniform(-3, 8))),
                created_at=at + timedelta(days=rng.choice([0, 0, 30])),
            )
            for _ in range(rng.choice([0, 1, 2, 3, 5, 8]))
        )
    given_paths()


def expected(model, value, *, half_life):
    """{campaign id: units} and the total, lead by lead through the pure functions."""
    value_of = VALUES[value]
    totals: Counter = Counter()
    grand = 0
    touches = TouchRow.objects.filter(team="marketing")
    for facts in LeadFacts.objects.all():
        at = getattr(facts, value_of.moment)
        if at is None or (value_of.won_only and facts.outcome != "won"):
            continue
        units = (
            int(facts.amount * 100 if facts.amount else 0)
            if value == "revenue"
            else UNITS_PER_COUNT
        )
        grand += units
        rows = {t.pk: t for t in touches.filter(lead_id=facts.lead_id)}
        conversion = Conversion(
            at=at,
            created_at=facts.created_at,
            opportunity_at=facts.opportunity_at,
            won_at=facts.won_at,
            creation_fallback=value_of.creation_fallback,
        )
        path = [Touch(t.pk, t.occurred_at) for t in rows.values()]
        for touch_id, share in attribute(model, path, conversion, units, half_life).items():
            if touch_id is not None:
                totals[rows[touch_id].campaign_id] += share
    return totals, grand


@pytest.mark.parametrize("model", MODELS)
def test_sql_totals_equal_the_pure_functions(random_leads, model):
    for value in VALUES:
        want, grand = expected(model, value, half_life=2.5)
        ask = Ask(model=model, value=VALUES[value], half_life_days=2.5)
        found = credits(ask, LIVE)
        got: Counter = Counter()
        for row in found.rows:
            got[row.campaign_id] += row.units
        assert (+got, found.total_units) == (+want, grand), value
        assert len(+want) >= 3 and 0 < sum(want.values()) < grand, value  # a fair test
