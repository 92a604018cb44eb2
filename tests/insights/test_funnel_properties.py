"""Whatever stays leads have, the funnel's counts obey the definitions, computed here apart."""

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from itertools import pairwise

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from truce.funnel.models import Stage
from truce.insights.models import LeadFacts, StageFacts
from truce.insights.reports.base import Query
from truce.insights.reports.runner import run_report

KEYS = ["subscriber", "lead", "mql", "sal", "prospecting"]
stays = st.lists(
    st.tuples(st.sampled_from(KEYS), st.integers(0, 30), st.none() | st.integers(0, 30)),
    max_size=6,
)
journeys = st.lists(stays, max_size=8)


def expected(journey_list):
    """(reached, strict, any order) per stage key, straight from the definitions."""
    ranks = [{KEYS.index(key) + 1 for key, _, _ in journey} for journey in journey_list]
    result = {}
    for k, key in enumerate(KEYS, 1):
        reached = sum(k in r for r in ranks)
        strict = sum(set(range(1, k + 1)) <= r for r in ranks)
        any_order = sum(bool(r) and max(r) >= k for r in ranks)
        result[key] = (reached, strict, any_order)
    return result


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(journey_list=journeys)
def test_counts_follow_the_definitions(make_facts, journey_list):
    StageFacts.objects.all().delete()
    LeadFacts.objects.all().delete()
    for lead_id, journey in enumerate(journey_list, 1):
        make_facts(
            lead_id, [(k, start, None if end is None else start + end) for k, start, end in journey]
        )
    names = dict(Stage.objects.values_list("key", "name"))
    rows = {r["stage"]: r for r in run_report("funnel", Query()).rows if r["path"] == "main"}
    want = expected(journey_list)
    for key in KEYS:
        row = rows[names[key]]
        assert (row["reached"], row["strict"], row["any_order"]) == want[key]
        assert row["strict"] <= row["reached"] <= row["any_order"]
    first, *rest = [rows[names[k]] for k in KEYS]
    for variant, cumulative in (("strict", "strict_cumulative"), ("any_order", "any_cumulative")):
        first_count = first[variant]
        for row in [first, *rest]:
            want_rate = (
                None
                if not first_count
                else (Decimal(100 * row[variant]) / first_count).quantize(
                    Decimal("0.1"), ROUND_HALF_UP
                )
            )
            assert row[cumulative] == want_rate
    for variant in ("strict", "any_order"):
        counts = [first[variant]] + [r[variant] for r in rest]
        assert counts == sorted(counts, reverse=True)
        if counts[0]:
            # cumulative conversion is the product of the step conversions
            steps = [Fraction(b, a) if a else Fraction(0) for a, b in pairwise(counts)]
            product = Fraction(1)
            for k, step in enumerate(steps, 1):
                product *= step
                assert product == Fraction(counts[k], counts[0])
