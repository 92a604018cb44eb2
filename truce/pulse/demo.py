"""What `truce demo` seeds for pulse: called after the demo agreement. Four past rounds (one
with too few answers to show), this month's round under way, and a few posts with answers
from the two team owners. Idempotent: nothing is written once a round exists."""

import random
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from truce.identity.models import User

from . import services
from .models import Post, Reply, Round

# Per past round, oldest first: how many people answered and the mean they lean towards for
# cooperation, shared goals and trust in the numbers — trust climbs as the SLA takes hold.
_PAST_ROUNDS = [
    (9, (2.4, 2.8, 2.0)),
    (4, (2.8, 3.0, 2.6)),
    (10, (3.1, 3.3, 3.0)),
    (11, (3.6, 3.7, 3.5)),
]
_CURRENT_ANSWERS = 6
_POSTS = [
    (
        40,
        "Sales keeps saying our leads are junk, but nobody tells us which ones or why.",
        "mona",
        "Fair. Rejections now need a reason from the list; the closed-loop report shows "
        "them by campaign.",
    ),
    (
        25,
        "The quarterly bonus pushes us to Platform deals while marketing's budget went to "
        "Analytics.",
        "sam",
        "We will put both plans side by side at the joint review on the first Monday.",
    ),
    (
        6,
        "Stand-ups between the teams feel like blame sessions. Could we start with wins?",
        None,
        "",
    ),
]


def install_demo_pulse(*, today: date | None = None, seed: int = 7) -> None:
    if Round.objects.exists() or Post.objects.exists():
        return
    today = today or timezone.localdate()
    rng = random.Random(seed)
    people = list(User.objects.filter(is_active=True).order_by("username"))
    with transaction.atomic():
        _rounds(today, people, rng)
        _posts(today)


def _month_back(day: date, months: int) -> date:
    for _ in range(months):
        day = day.replace(day=1) - timedelta(days=1)
    return day


def _score(rng: random.Random, lean: float) -> int:
    return max(1, min(5, round(rng.gauss(lean, 0.8))))


def _rounds(today: date, people: list[User], rng: random.Random) -> None:
    plan = [
        (_month_back(today, len(_PAST_ROUNDS) - i), n, leans)
        for i, (n, leans) in enumerate(_PAST_ROUNDS)
    ]
    plan.append((today, _CURRENT_ANSWERS, (3.8, 3.9, 3.7)))
    for day, answers, leans in plan:
        round_, _ = services.open_round(actor=None, today=day)
        questions = list(round_.questions.all())
        for person in people[:answers]:
            scores = {q: _score(rng, lean) for q, lean in zip(questions, leans, strict=False)}
            services.record_answers(round_=round_, person=person, scores=scores)


def _posts(today: date) -> None:
    leaders = {u.username: u for u in User.objects.filter(username__in=["mona", "sam"])}
    for days_ago, body, leader, answer in _POSTS:
        post = Post.objects.create(body=body, posted_on=today - timedelta(days=days_ago))
        if leader in leaders and answer:
            moment = timezone.now() - timedelta(days=days_ago - 1)
            Reply.objects.create(post=post, author=leaders[leader], body=answer, created_at=moment)
