"""Pulse fixtures: a round open today, people to answer it, and a past round to fill."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from truce.identity.models import Role
from truce.pulse import services


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def open_round(db, today):
    round_, _ = services.open_round(actor=None, today=today)
    return round_


@pytest.fixture
def past_round(db, today):
    """Last month's round, closed: filled through record_answers, as the demo does."""
    round_, _ = services.open_round(actor=None, today=today.replace(day=1) - timedelta(days=1))
    return round_


@pytest.fixture
def people(make_user):
    def make(n: int, role: str = Role.SALES_REP):
        return [make_user(role) for _ in range(n)]

    return make


@pytest.fixture
def fill(past_round):
    """Record each person's (cooperation, shared_goals, trust_numbers) scores in a round."""

    def record(round_, rows):
        questions = {q.key: q for q in round_.questions.all()}
        for person, (a, b, c) in rows:
            scores = {
                questions["cooperation"]: a,
                questions["shared_goals"]: b,
                questions["trust_numbers"]: c,
            }
            services.record_answers(round_=round_, person=person, scores=scores)

    return record


def scores(a: int, b: int, c: int) -> dict[str, int]:
    return {"cooperation": a, "shared_goals": b, "trust_numbers": c}


__all__ = ["date", "scores"]
