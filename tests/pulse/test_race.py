"""Two real PostgreSQL connections at once: the one-answer rule and the rewrites hold."""

import threading

import pytest
from django.db import connection, connections

from truce.pulse import services
from truce.pulse.errors import AlreadyAnswered
from truce.pulse.models import Answer, Participation, Post

from .conftest import scores

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def _together(*calls):
    """Run the calls in threads released at once; each returns its result or its exception."""
    start = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        start.wait()
        try:
            results[i] = call()
        except Exception as exc:  # the refusal is the result under test
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_one_person_answering_twice_at_once_is_counted_once(open_round, rep):
    def answer():
        return services.answer_survey(round_=open_round, actor=rep, scores=scores(4, 4, 4))

    results = _together(answer, answer)
    assert sorted(type(r).__name__ for r in results) == ["AlreadyAnswered", "NoneType"]
    assert any(isinstance(r, AlreadyAnswered) for r in results)
    assert (Participation.objects.count(), Answer.objects.count()) == (1, 3)


def test_two_people_answering_at_once_both_count(open_round, people):
    first, second = people(2)
    results = _together(
        lambda: services.answer_survey(round_=open_round, actor=first, scores=scores(1, 2, 3)),
        lambda: services.answer_survey(round_=open_round, actor=second, scores=scores(5, 4, 3)),
    )
    assert results == [None, None]
    assert sorted(Answer.objects.values_list("question__key", "score")) == [
        ("cooperation", 1),
        ("cooperation", 5),
        ("shared_goals", 2),
        ("shared_goals", 4),
        ("trust_numbers", 3),
        ("trust_numbers", 3),
    ]


def test_two_posts_at_once_are_both_kept(rep, marketer):
    results = _together(
        lambda: services.write_post(actor=rep, body="One"),
        lambda: services.write_post(actor=marketer, body="Two"),
    )
    assert all(isinstance(r, Post) for r in results)
    assert sorted(Post.objects.values_list("body", flat=True)) == ["One", "Two"]


def _xmins(table: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT xmin::text FROM {table}")
        return {row[0] for row in cursor.fetchall()}


def test_participation_and_answers_share_one_transaction_id_per_round(open_round, people):
    """After the rewrite every row of the round was written by the latest answer's
    transaction: xmin cannot pair a person with their answers."""
    for person in people(3):
        services.answer_survey(round_=open_round, actor=person, scores=scores(2, 3, 4))
    answers, participations = _xmins("pulse_answer"), _xmins("pulse_participation")
    assert len(answers) == 1
    assert answers == participations


def test_the_job_and_a_leader_opening_the_round_at_once_open_one(make_user, today):
    from truce.identity.models import Role
    from truce.ledger.models import Event
    from truce.pulse.models import Round

    owner = make_user(Role.SALES_OWNER)
    results = _together(
        lambda: services.open_round(actor=None, today=today),
        lambda: services.open_round(actor=owner, today=today),
    )
    assert sorted(created for _, created in results) == [False, True]
    assert Round.objects.count() == 1
    assert Event.objects.filter(kind="pulse.round_opened").count() == 1
