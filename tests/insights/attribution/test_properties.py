"""For any touch sequence (none, ties, milestones missing, coinciding or after the conversion)
every model's credits are whole units, non-negative, only for the lead's touches up to the
conversion, and sum to exactly the lead's value."""

from datetime import UTC, datetime, timedelta
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from truce.insights.attribution import MODELS, Conversion, Touch, attribute, path, split, weights

T0 = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
# Few distinct moments (hours over ten days, some with seconds) so ties are common.
moments = st.builds(
    lambda h, s: T0 + timedelta(hours=h, seconds=s),
    st.integers(0, 240),
    st.sampled_from([0, 0, 0, 1, 59]),
)
maybe = st.one_of(st.none(), moments)


@st.composite
def journeys(draw):
    count = draw(st.integers(0, 12))
    ids = draw(st.lists(st.integers(1, 10_000), min_size=count, max_size=count, unique=True))
    touches = [Touch(i, draw(moments)) for i in ids]
    conversion = Conversion(
        at=draw(moments),
        created_at=draw(moments),
        opportunity_at=draw(maybe),
        won_at=draw(maybe),
        creation_fallback=draw(st.booleans()),
    )
    return touches, conversion


units = st.one_of(st.integers(0, 10), st.integers(0, 10**14))
half_lives = st.floats(min_value=0.01, max_value=3650)


@settings(max_examples=250, deadline=None)
@given(st.sampled_from(MODELS), journeys(), units, half_lives)
def test_credits_sum_to_the_value_and_go_only_to_the_path(model, journey, value, half_life):
    touches, conversion = journey
    credited = attribute(model, touches, conversion, value, half_life)
    assert sum(credited.values()) == value
    assert all(isinstance(c, int) and c >= 0 for c in credited.values())
    on_path = {t.id for t in touches if t.at <= conversion.at}
    if on_path:
        assert set(credited) == on_path
    elif conversion.creation_fallback and touches:
        first = min(touches, key=lambda t: (t.at, t.id))
        assert credited == {first.id: value}
    else:
        assert credited == {None: value}


@settings(max_examples=250, deadline=None)
@given(st.sampled_from(MODELS), journeys(), half_lives)
def test_weights_are_non_negative_and_never_all_zero(model, journey, half_life):
    touches, conversion = journey
    route = path(touches, conversion)
    found = weights(model, route, conversion, half_life)
    assert len(found) == len(route)
    assert all(w >= 0 for w in found)
    assert sum(found) > 0 or not route


@settings(max_examples=250, deadline=None)
@given(st.lists(st.integers(0, 2**20), min_size=1, max_size=30), units)
def test_each_share_is_within_one_unit_of_its_exact_fraction(raw, value):
    shares = raw if sum(raw) else [1, *raw[1:]]
    parts = split(value, shares)
    assert sum(parts) == value
    for part, w in zip(parts, shares, strict=True):
        exact = Fraction(value * w, sum(shares))
        assert exact - 1 < part < exact + 1
        assert w or part == 0  # a touch without weight never takes a leftover unit


@settings(max_examples=200, deadline=None)
@given(journeys(), units)
def test_linear_shares_differ_by_at_most_one_unit(journey, value):
    touches, conversion = journey
    credited = attribute("linear", touches, conversion, value)
    assert max(credited.values()) - min(credited.values()) <= 1
