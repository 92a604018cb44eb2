"""The team pulse. Anonymity is built into the tables (docs/explanation/pulse-anonymity.md):
no table links a post or an answer to a person, anonymous rows carry dates, never times,
and their keys are random UUIDs, so neither a key nor its order says who or when."""

import uuid

from django.conf import settings
from django.db import models


class Question(models.Model):
    """One survey question, answered on a 1–5 scale. A round keeps the questions it opened with."""

    key = models.SlugField(max_length=50, unique=True)
    text = models.CharField(max_length=200)
    low_label = models.CharField(max_length=60, default="Poor")
    high_label = models.CharField(max_length=60, default="Excellent")
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "key"]

    def __str__(self) -> str:
        return self.text


class Round(models.Model):
    """One run of the survey, open from `opens_on` to `closes_on` (both included)."""

    opens_on = models.DateField(unique=True)
    closes_on = models.DateField()
    questions = models.ManyToManyField(Question, related_name="+")

    class Meta:
        ordering = ["-opens_on"]

    def __str__(self) -> str:
        return f"{self.opens_on:%B %Y}"


class Participation(models.Model):
    """That a person answered a round, and nothing else: no time, no link to the answers.
    Rows are rewritten in random order with new keys on every answer (mixing.py)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "person"], name="pulse_one_answer_per_round")
        ]


class Answer(models.Model):
    """One score for one question of one round, from nobody in particular. The answers of one
    person are not grouped either: a combination of scores cannot become a fingerprint."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="+")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__gte=1, score__lte=5), name="pulse_score_1_to_5"
            )
        ]
        indexes = [models.Index(fields=["round", "question"], name="pulse_answer_round_q")]


class Post(models.Model):
    """An anonymous post about how the teams work together, dated to the day only."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    body = models.TextField()
    posted_on = models.DateField(db_index=True)

    class Meta:
        ordering = ["-posted_on", "id"]


class Reply(models.Model):
    """A leader's public answer to a post: signed, and timed like any other record."""

    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="replies")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]
