"""Reading the pulse. Results of a round are shown only once the round has closed and at least
TRUCE_PULSE_MIN_ANSWERS people answered it: below k an average would narrow down who said what,
and results moving while a round is open would show each new answer as a difference."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db.models import Count, Prefetch, QuerySet
from django.utils import timezone

from truce.errors import NotFound
from truce.identity.permissions import require

from .models import Answer, Participation, Post, Question, Reply, Round

NOT_ENOUGH = "not enough answers"
STILL_OPEN = "round still open"


def min_answers() -> int:
    return int(settings.TRUCE_PULSE_MIN_ANSWERS)


def posts_visible_to(*, user: Any) -> QuerySet[Post]:
    """Everyone signed in reads every post and every reply."""
    require(user, "take_pulse")
    replies = Reply.objects.select_related("author")
    return Post.objects.prefetch_related(Prefetch("replies", queryset=replies))


def get_post(*, user: Any, post_id: UUID | str) -> Post:
    try:
        post = posts_visible_to(user=user).filter(pk=UUID(str(post_id))).first()
    except ValueError:
        post = None
    if post is None:
        raise NotFound(f"No post with id {post_id}.", field="post_id")
    return post


def open_round(*, user: Any, today: date | None = None) -> Round | None:
    require(user, "take_pulse")
    today = today or timezone.localdate()
    rounds = Round.objects.prefetch_related("questions")
    return rounds.filter(opens_on__lte=today, closes_on__gte=today).first()


def get_round(*, user: Any, round_id: int) -> Round:
    require(user, "take_pulse")
    found = Round.objects.prefetch_related("questions").filter(pk=round_id).first()
    if found is None:
        raise NotFound(f"No survey round with id {round_id}.", field="round_id")
    return found


def has_answered(*, user: Any, round_: Round) -> bool:
    return Participation.objects.filter(round=round_, person=user).exists()


def respondents(*, round_: Round) -> int:
    return Participation.objects.filter(round=round_).count()


@dataclass(frozen=True)
class QuestionResult:
    key: str
    text: str
    mean: Decimal
    distribution: list[int]  # how many answered 1, 2, 3, 4, 5


@dataclass(frozen=True)
class RoundResult:
    round: Round
    respondents: int
    withheld: str | None  # why the scores are not shown, or None when they are
    questions: list[QuestionResult] = field(default_factory=list)

    @property
    def shown(self) -> bool:
        return self.withheld is None

    def mean_of(self, key: str) -> Decimal | None:
        return next((q.mean for q in self.questions if q.key == key), None)


def _mean(distribution: list[int]) -> Decimal:
    total = sum(distribution)
    weighted = sum(score * n for score, n in enumerate(distribution, start=1))
    return (Decimal(weighted) / Decimal(total)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def _result(
    round_: Round, people: int, counts: dict[tuple[int, int], list[int]], today: date
) -> RoundResult:
    if round_.closes_on >= today:
        return RoundResult(round_, people, STILL_OPEN)
    if people < min_answers():
        return RoundResult(round_, people, NOT_ENOUGH)
    questions = [
        QuestionResult(q.key, q.text, _mean(counts[(round_.pk, q.pk)]), counts[(round_.pk, q.pk)])
        for q in round_.questions.all()
        if sum(counts[(round_.pk, q.pk)])
    ]
    return RoundResult(round_, people, None, questions)


def results(*, user: Any, today: date | None = None, limit: int = 24) -> list[RoundResult]:
    """The latest rounds, newest first, each with its scores or the reason they are withheld.
    Four queries whatever the number of rounds."""
    require(user, "take_pulse")
    today = today or timezone.localdate()
    rounds = list(Round.objects.filter(opens_on__lte=today).prefetch_related("questions")[:limit])
    ids = [r.pk for r in rounds]
    people = dict(
        Participation.objects.filter(round_id__in=ids)
        .values_list("round_id")
        .annotate(n=Count("id"))
        .values_list("round_id", "n")
    )
    counts: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0] * 5)
    grouped = Answer.objects.filter(round_id__in=ids).values("round_id", "question_id", "score")
    for row in grouped.annotate(n=Count("id")).order_by():
        counts[(row["round_id"], row["question_id"])][row["score"] - 1] = row["n"]
    return [_result(r, people.get(r.pk, 0), counts, today) for r in rounds]


def trend_questions(rows: list[RoundResult]) -> list[Question]:
    """The questions asked in any of these rounds, in their usual order."""
    seen: dict[int, Question] = {}
    for row in rows:
        for question in row.round.questions.all():
            seen.setdefault(question.pk, question)
    return sorted(seen.values(), key=lambda q: (q.position, q.key))
