"""Writing to the pulse. Anonymous writes (posts, survey answers) append no ledger event: an
event carries an exact time and a place in a hash chain, which is what anonymity must not keep
(docs/explanation/pulse-anonymity.md). Leaders' replies and new rounds are ordinary events."""

import calendar
from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from truce.errors import DomainError
from truce.identity.permissions import require
from truce.ledger import services as ledger

from . import mixing
from .errors import AlreadyAnswered, RoundClosed
from .models import Answer, Participation, Post, Reply, Round
from .questions import ensure_default_questions

MAX_POST_CHARS = 4000
SCALE = range(1, 6)


def _text(value: Any, *, field: str) -> str:
    text = str(value or "").strip()
    if not text:
        raise DomainError("Write something first.", field=field, code="required")
    if len(text) > MAX_POST_CHARS:
        raise DomainError(f"At most {MAX_POST_CHARS} characters.", field=field)
    return text


@transaction.atomic
def write_post(*, actor: Any, body: str) -> Post:
    """An anonymous post, dated today. The day's posts are then rewritten in a random order so
    neither storage order nor transaction ids tell which came when."""
    require(actor, "take_pulse")
    text = _text(body, field="body")
    today = timezone.localdate()
    mixing.serialise(f"pulse.posts.{today}")
    post = Post.objects.create(body=text, posted_on=today)
    mixing.rewrite_shuffled(Post.objects.filter(posted_on=today), new_keys=False)
    return post


@transaction.atomic
def reply_to_post(*, post: Post, actor: Any, body: str) -> Reply:
    require(actor, "answer_pulse")
    reply = Reply.objects.create(
        post=post, author=actor, body=_text(body, field="body"), created_at=timezone.now()
    )
    ledger.append(
        kind="pulse.replied",
        subject_type="pulse_reply",
        subject_id=reply.pk,
        actor=actor,
        payload={"post_id": str(post.pk), "body": reply.body},
    )
    return reply


def month_of(day: date) -> tuple[date, date]:
    last = calendar.monthrange(day.year, day.month)[1]
    return day.replace(day=1), day.replace(day=last)


@transaction.atomic
def open_round(*, actor: Any, today: date | None = None) -> tuple[Round, bool]:
    """The round of the month `today` is in, opened if it was not (idempotent): the periodic
    job calls this daily with no actor; a leader may open the month's round by hand."""
    if actor is not None:
        require(actor, "answer_pulse")
    opens_on, closes_on = month_of(today or timezone.localdate())
    found = Round.objects.filter(opens_on=opens_on).first()
    if found is not None:
        return found, False
    questions = ensure_default_questions()
    try:
        with transaction.atomic():
            round_ = Round.objects.create(opens_on=opens_on, closes_on=closes_on)
    except IntegrityError:  # the job and a leader at once: the other one opened it
        return Round.objects.get(opens_on=opens_on), False
    round_.questions.set(questions)
    ledger.append(
        kind="pulse.round_opened",
        subject_type="pulse_round",
        subject_id=round_.pk,
        actor=actor,
        payload={
            "opens_on": opens_on.isoformat(),
            "closes_on": closes_on.isoformat(),
            "questions": [q.key for q in questions],
        },
    )
    return round_, True


def _scores(round_: Round, scores: dict[str, Any]) -> dict[Any, int]:
    """Every question of the round answered with a whole number from 1 to 5, nothing else."""
    questions = {q.key: q for q in round_.questions.all()}
    for key in scores:
        if key not in questions:
            raise DomainError(f"{key!r} is not a question of this round.", field=f"scores.{key}")
    checked = {}
    for key, question in questions.items():
        value = scores.get(key)
        if value is None or value == "":
            raise DomainError("Answer every question.", field=f"scores.{key}", code="required")
        if isinstance(value, bool) or str(value) not in {str(n) for n in SCALE}:
            raise DomainError("Choose 1 to 5.", field=f"scores.{key}")
        checked[question] = int(value)
    return checked


def answer_survey(*, round_: Round, actor: Any, scores: dict[str, Any]) -> None:
    """Record one person's answers: a participation row (who) and one answer row per question
    (what), in one transaction and with nothing in common but the round. Returns nothing that
    could point at the answer rows."""
    try:
        _answer(round_, actor, scores)
    except IntegrityError:
        # Two sessions of one person at once on PostgreSQL: the constraint decided.
        raise AlreadyAnswered("You already answered this round.", field="round_id") from None


@transaction.atomic
def _answer(round_: Round, actor: Any, scores: dict[str, Any]) -> None:
    require(actor, "take_pulse")
    mixing.serialise(f"pulse.round.{round_.pk}")
    today = timezone.localdate()
    if not round_.opens_on <= today <= round_.closes_on:
        raise RoundClosed(f"The {round_} round is not open.", field="round_id")
    checked = _scores(round_, scores)
    record_answers(round_=round_, person=actor, scores=checked)


def record_answers(*, round_: Round, person: Any, scores: dict[Any, int]) -> None:
    """The write itself, with checked scores, in the caller's transaction (the demo seeds past
    rounds through it)."""
    if Participation.objects.filter(round=round_, person=person).exists():
        raise AlreadyAnswered("You already answered this round.", field="round_id")
    Participation.objects.create(round=round_, person=person)
    Answer.objects.bulk_create(
        [Answer(round=round_, question=q, score=score) for q, score in scores.items()]
    )
    mixing.rewrite_shuffled(Participation.objects.filter(round=round_), new_keys=True)
    mixing.rewrite_shuffled(Answer.objects.filter(round=round_), new_keys=True)


def mix(*, today: date | None = None) -> int:
    """Rewrite the open rounds' rows and the last two days' posts so that the transaction id
    they carry is this job's, not that of the latest answer or post (see mixing.py). Run
    daily; each batch in its own transaction. Returns the number of rows rewritten."""
    today = today or timezone.localdate()
    rewritten = 0
    for round_ in Round.objects.filter(opens_on__lte=today, closes_on__gte=today - timedelta(1)):
        with transaction.atomic():
            mixing.serialise(f"pulse.round.{round_.pk}")
            rewritten += mixing.rewrite_shuffled(
                Participation.objects.filter(round=round_), new_keys=True
            )
            rewritten += mixing.rewrite_shuffled(Answer.objects.filter(round=round_), new_keys=True)
    for day in (today - timedelta(1), today):
        with transaction.atomic():
            mixing.serialise(f"pulse.posts.{day}")
            rewritten += mixing.rewrite_shuffled(Post.objects.filter(posted_on=day), new_keys=False)
    return rewritten
