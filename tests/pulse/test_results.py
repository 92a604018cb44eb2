"""Results only from closed rounds with at least k answers; means computed by hand here."""

from decimal import Decimal

from truce.pulse import selectors, services

from .conftest import scores


def _row(user, round_):
    return next(r for r in selectors.results(user=user) if r.round == round_)


def test_four_answers_are_not_enough_with_the_default_k(past_round, fill, people, rep):
    fill(past_round, [(p, (5, 5, 5)) for p in people(4)])
    row = _row(rep, past_round)
    assert (row.respondents, row.shown, row.withheld, row.questions) == (
        4,
        False,
        "not enough answers",
        [],
    )


def test_five_answers_show_means_and_distributions(past_round, fill, people, rep):
    rows = [(4, 1, 5), (5, 2, 5), (3, 2, 4), (4, 3, 5), (2, 1, 5)]
    fill(past_round, list(zip(people(5), rows, strict=True)))
    row = _row(rep, past_round)
    assert (row.respondents, row.shown) == (5, True)
    # cooperation (4+5+3+4+2)/5 = 3.60; goals (1+2+2+3+1)/5 = 1.80; trust (5+5+4+5+5)/5 = 4.80
    assert [(q.key, q.mean, q.distribution) for q in row.questions] == [
        ("cooperation", Decimal("3.60"), [0, 1, 1, 2, 1]),
        ("shared_goals", Decimal("1.80"), [2, 2, 1, 0, 0]),
        ("trust_numbers", Decimal("4.80"), [0, 0, 0, 1, 4]),
    ]


def test_k_comes_from_the_setting(past_round, fill, people, rep, settings):
    settings.TRUCE_PULSE_MIN_ANSWERS = 3
    fill(past_round, list(zip(people(3), [(1, 2, 3), (2, 2, 3), (2, 3, 3)], strict=True)))
    row = _row(rep, past_round)
    assert row.shown
    assert row.mean_of("cooperation") == Decimal("1.67")  # 5/3 rounded half up
    settings.TRUCE_PULSE_MIN_ANSWERS = 4
    assert _row(rep, past_round).withheld == "not enough answers"


def test_an_open_round_shows_no_scores_however_many_answered(open_round, people, rep):
    for person in people(6):
        services.answer_survey(round_=open_round, actor=person, scores=scores(5, 5, 5))
    row = _row(rep, open_round)
    assert (row.respondents, row.withheld, row.questions) == (6, "round still open", [])


def test_rounds_come_newest_first(open_round, past_round, rep):
    assert [r.round for r in selectors.results(user=rep)] == [open_round, past_round]
