"""Each model on hand-built paths: every figure below is worked out by hand in the comment."""

from datetime import UTC, datetime, timedelta

import pytest

from truce.insights.attribution import Conversion, Touch, attribute, milestones, path, weights

T0 = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


# Seven touches on days 0…6 (ids 1…7); the lead was created on day 2.5 (lead creation: touch
# 3), became an opportunity on day 4.5 (touch 5) and was won on day 6 (touch 7) for $1,000.
SEVEN = [Touch(i + 1, day(i)) for i in range(7)]
WON = Conversion(at=day(6), created_at=day(2.5), opportunity_at=day(4.5), won_at=day(6))


def credits(model, touches=SEVEN, conversion=WON, units=100_000, **kw):
    return attribute(model, touches, conversion, units, **kw)


def test_milestones_of_the_seven_touch_path():
    marks = milestones(path(SEVEN, WON), WON)
    assert (marks.first, marks.lead_created, marks.opportunity, marks.closed, marks.last) == (
        0,
        2,
        4,
        6,
        6,
    )


def test_first_and_last_touch_take_everything():
    assert credits("first_touch") == {1: 100_000, 2: 0, 3: 0, 4: 0, 5: 0, 6: 0, 7: 0}
    assert credits("last_touch") == {1: 0, 2: 0, 3: 0, 4: 0, 5: 0, 6: 0, 7: 100_000}


def test_linear_rounds_the_running_total():
    # Touch k gets floor(100000 k / 7) - floor(100000 (k - 1) / 7); the floors up to each
    # touch are 14285, 28571, 42857, 57142, 71428, 85714, 100000.
    assert credits("linear") == {
        1: 14285,
        2: 14286,
        3: 14286,
        4: 14285,
        5: 14286,
        6: 14286,
        7: 14286,
    }


def test_u_shaped_is_40_first_40_lead_creation_20_between():
    # first = touch 1, lead creation = touch 3, between = touch 2; after creation: nothing.
    assert credits("u_shaped") == {1: 40000, 2: 20000, 3: 40000, 4: 0, 5: 0, 6: 0, 7: 0}


def test_w_shaped_adds_opportunity_creation_and_spreads_10_between():
    # 30 % to touches 1, 3, 5; 10 % over touches 2 and 4; touches 6, 7 after the opportunity.
    assert credits("w_shaped") == {1: 30000, 2: 5000, 3: 30000, 4: 5000, 5: 30000, 6: 0, 7: 0}


def test_full_path_adds_the_close_and_spreads_10_over_the_three_between():
    # 22.5 % to touches 1, 3, 5, 7; 10 % over 2, 4, 6. As integers: 225 x 3 = 675 on the
    # milestones, 100 between, of 3000. Running weights 675, 775, 1450, 1550, 2225, 2325, 3000
    # give floors 22500, 25833, 48333, 51666, 74166, 77500, 100000.
    assert credits("full_path") == {
        1: 22500,
        2: 3333,
        3: 22500,
        4: 3333,
        5: 22500,
        6: 3334,
        7: 22500,
    }


def test_time_decay_halves_per_half_life():
    # Half-life 1 day, ages 6…0 days: weights 2^14 … 2^20, sum 127 x 2^14; the weights up to
    # touch k are (2^k - 1) / 127 of it, floors of 100000 times that: 787, 2362, 5511, 11811,
    # 24409, 49606, 100000.
    assert credits("time_decay", half_life_days=1) == {
        1: 787,
        2: 1575,
        3: 3149,
        4: 6300,
        5: 12598,
        6: 25197,
        7: 50394,
    }


def test_time_decay_counts_age_back_from_the_conversion():
    # Touches on days 0 and 7, won on day 10, half-life 7: ages 10 and 3 days, weights
    # 2^(-10/7) and 2^(-3/7), in the ratio 1 : 2 -> $1 and $2 of $3.
    touches = [Touch(1, day(0)), Touch(2, day(7))]
    won = Conversion(at=day(10), created_at=day(0), won_at=day(10))
    assert attribute("time_decay", touches, won, 300) == {1: 100, 2: 200}
    assert weights("time_decay", touches, won) == [2**19, 2**20]


def test_ties_are_ordered_by_touch_id():
    # Three touches at the same moment: the lowest id is the first touch, the highest the last.
    touches = [Touch(9, day(1)), Touch(4, day(1)), Touch(6, day(1))]
    won = Conversion(at=day(2), created_at=day(0), won_at=day(2))
    assert credits("first_touch", touches, won, 10) == {4: 10, 6: 0, 9: 0}
    assert credits("last_touch", touches, won, 10) == {4: 0, 6: 0, 9: 10}
    # 10 over 3: floors 3, 6, 10 along that order.
    assert credits("linear", touches, won, 10) == {4: 3, 6: 3, 9: 4}


@pytest.mark.parametrize(
    "model", ["first_touch", "last_touch", "linear", "u_shaped", "w_shaped", "full_path"]
)
def test_one_touch_takes_everything(model):
    touch = [Touch(1, day(1))]
    won = Conversion(at=day(5), created_at=day(0), opportunity_at=day(3), won_at=day(5))
    assert credits(model, touch, won, 12345) == {1: 12345}


def test_two_touches_u_shaped_split_evenly_when_the_second_created_the_lead():
    touches = [Touch(1, day(0)), Touch(2, day(1))]
    won = Conversion(at=day(5), created_at=day(1), won_at=day(5))
    # 400 : 400, floor(1001 / 2) = 500 up to the first.
    assert credits("u_shaped", touches, won, 1001) == {1: 500, 2: 501}


def test_lead_created_before_any_touch_makes_the_first_touch_its_creation_touch():
    # First touch and lead creation coincide on touch 1 (80 %, scaled to 100 % since nothing
    # lies between); touch 2 comes after the last milestone.
    touches = [Touch(1, day(1)), Touch(2, day(2))]
    won = Conversion(at=day(5), created_at=day(0), won_at=day(5))
    assert credits("u_shaped", touches, won, 1000) == {1: 1000, 2: 0}


def test_w_shaped_without_an_opportunity_scales_the_rest_up():
    # MQL on day 5, no opportunity: 30 / 10 / 30 over touches 1, 2, 3 -> 3/7, 1/7, 3/7 of
    # 1000 thousandths: floors of 3/7 and 4/7 of it are 428 and 571.
    touches = [Touch(1, day(0)), Touch(2, day(1)), Touch(3, day(2))]
    mql = Conversion(at=day(5), created_at=day(3))
    assert credits("w_shaped", touches, mql, 1000) == {1: 428, 2: 143, 3: 429}


def test_coinciding_milestones_add_their_shares():
    # Lead creation and opportunity both on touch 2 (nothing between day 1.5 and day 2),
    # close on touch 3: 22.5 / 45 / 22.5 -> 25 %, 50 %, 25 %.
    touches = [Touch(1, day(0)), Touch(2, day(1)), Touch(3, day(3))]
    won = Conversion(at=day(3), created_at=day(1.5), opportunity_at=day(2), won_at=day(3))
    assert credits("full_path", touches, won, 1000) == {1: 250, 2: 500, 3: 250}


def test_milestones_after_the_conversion_do_not_count():
    # Value earned at the MQL (day 3): the opportunity (day 4) and win (day 5) come later, so
    # full path has only first touch and lead creation: 22.5 / 10 / 22.5 over 3 touches.
    touches = [Touch(1, day(0)), Touch(2, day(1)), Touch(3, day(2)), Touch(4, day(3.5))]
    mql = Conversion(at=day(3), created_at=day(2), opportunity_at=day(4), won_at=day(5))
    # 225 : 100 : 225 of 550: floors of 225/550 and 325/550 of 1000 are 409 and 590.
    assert credits("full_path", touches, mql, 1000) == {1: 409, 2: 181, 3: 410}


def test_touches_after_the_conversion_earn_nothing_and_none_before_means_no_touch():
    touches = [Touch(1, day(4)), Touch(2, day(6))]
    won = Conversion(at=day(5), created_at=day(0), won_at=day(5))
    assert credits("linear", touches, won, 900) == {1: 900}
    early = Conversion(at=day(3), created_at=day(0), won_at=day(3))
    assert credits("linear", touches, early, 900) == {None: 900}
    assert credits("linear", [], won, 900) == {None: 900}


def test_a_lead_is_credited_to_its_first_touch_when_none_came_before_its_creation():
    # The form fill that creates a lead is recorded just after it; ties at that moment keep
    # only the first by id.
    touches = [Touch(3, day(1)), Touch(2, day(1)), Touch(1, day(2))]
    created = Conversion(at=day(0.5), created_at=day(0.5), creation_fallback=True)
    assert credits("linear", touches, created, 1000) == {2: 1000}
    assert credits("u_shaped", touches, created, 1000) == {2: 1000}
