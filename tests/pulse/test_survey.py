"""Answering the survey: one answer per person per round, all or nothing."""

from datetime import timedelta

import pytest

from truce.errors import DomainError, PermissionDenied
from truce.identity.models import Role
from truce.ledger.models import Event
from truce.pulse import services
from truce.pulse.errors import AlreadyAnswered, RoundClosed
from truce.pulse.models import Answer, Participation, Question, Round

from .conftest import scores


def _answers(round_):
    return sorted(Answer.objects.filter(round=round_).values_list("question__key", "score"))


def test_the_month_round_opens_with_the_three_default_questions(open_round, today):
    assert open_round.opens_on == today.replace(day=1)
    assert open_round.closes_on.month == today.month
    assert (open_round.closes_on + timedelta(days=1)).day == 1
    assert [q.key for q in open_round.questions.all()] == [
        "cooperation",
        "shared_goals",
        "trust_numbers",
    ]
    event = Event.objects.get(kind="pulse.round_opened")
    assert event.actor_id is None
    assert event.payload["questions"] == ["cooperation", "shared_goals", "trust_numbers"]


def test_opening_again_changes_nothing(open_round, today):
    again, created = services.open_round(actor=None, today=today)
    assert (again, created) == (open_round, False)
    assert Round.objects.count() == 1
    assert Event.objects.filter(kind="pulse.round_opened").count() == 1


def test_a_rep_may_not_open_a_round_by_hand(make_user):
    with pytest.raises(PermissionDenied):
        services.open_round(actor=make_user(Role.SALES_REP))
    assert Round.objects.count() == 0


def test_an_answer_is_a_participation_and_one_row_per_question(open_round, rep):
    events = Event.objects.count()
    services.answer_survey(round_=open_round, actor=rep, scores=scores(4, 2, 5))
    assert list(Participation.objects.values_list("round_id", "person_id")) == [
        (open_round.pk, rep.pk)
    ]
    assert _answers(open_round) == [("cooperation", 4), ("shared_goals", 2), ("trust_numbers", 5)]
    # Anonymous writes leave no ledger event.
    assert Event.objects.count() == events


@pytest.mark.parametrize("role", [Role.VIEWER, Role.ADMIN, Role.MARKETER])
def test_every_role_may_answer(open_round, make_user, role):
    services.answer_survey(round_=open_round, actor=make_user(role), scores=scores(3, 3, 3))
    assert Participation.objects.count() == 1


def test_a_second_answer_from_the_same_person_is_refused(open_round, rep, make_user):
    services.answer_survey(round_=open_round, actor=rep, scores=scores(4, 2, 5))
    with pytest.raises(AlreadyAnswered) as refused:
        services.answer_survey(round_=open_round, actor=rep, scores=scores(1, 1, 1))
    assert (refused.value.code, refused.value.status) == ("already_answered", 409)
    assert Participation.objects.count() == 1
    assert _answers(open_round) == [("cooperation", 4), ("shared_goals", 2), ("trust_numbers", 5)]
    # Someone else still may.
    services.answer_survey(round_=open_round, actor=make_user(), scores=scores(1, 1, 1))
    assert Participation.objects.count() == 2


def test_the_same_person_answers_each_round_once(open_round, past_round, fill, rep):
    fill(past_round, [(rep, (2, 2, 2))])
    services.answer_survey(round_=open_round, actor=rep, scores=scores(4, 4, 4))
    assert Participation.objects.filter(person=rep).count() == 2


@pytest.mark.parametrize(
    ("given", "field", "code"),
    [
        ({"cooperation": 4, "shared_goals": 2}, "scores.trust_numbers", "required"),
        ({**scores(4, 2, 5), "mood": 3}, "scores.mood", "invalid"),
        (scores(0, 2, 5), "scores.cooperation", "invalid"),
        (scores(4, 6, 5), "scores.shared_goals", "invalid"),
        (scores(4, 2, "x"), "scores.trust_numbers", "invalid"),
        (scores(4, 2, True), "scores.trust_numbers", "invalid"),
        (scores(4, 2, 2.5), "scores.trust_numbers", "invalid"),
    ],
)
def test_bad_answers_are_refused_and_nothing_is_written(open_round, rep, given, field, code):
    with pytest.raises(DomainError) as refused:
        services.answer_survey(round_=open_round, actor=rep, scores=given)
    assert (refused.value.field, refused.value.code) == (field, code)
    assert (Participation.objects.count(), Answer.objects.count()) == (0, 0)


def test_a_closed_round_takes_no_answers(past_round, rep):
    with pytest.raises(RoundClosed):
        services.answer_survey(round_=past_round, actor=rep, scores=scores(3, 3, 3))
    assert (Participation.objects.count(), Answer.objects.count()) == (0, 0)


def test_a_round_keeps_the_questions_it_opened_with(open_round, rep, today):
    Question.objects.filter(key="trust_numbers").update(is_active=False)
    services.answer_survey(round_=open_round, actor=rep, scores=scores(4, 2, 5))
    assert len(_answers(open_round)) == 3
