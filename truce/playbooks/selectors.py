"""Reading playbooks. Every signed-in, active person may read every playbook: they are the
organisation's shared way of working, not anyone's private notes."""

from datetime import date
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from truce.errors import NotFound, PermissionDenied
from truce.identity.models import User

from .diffs import Diff, diff_versions
from .models import Playbook, PlaybookVersion, Review, Step


def _require_reader(user: Any) -> None:
    if user is not None and not user.is_active:
        raise PermissionDenied("An inactive account may not read playbooks.")


def playbooks_visible_to(*, user: Any, query: str = "") -> QuerySet[Playbook]:
    """All playbooks, or those whose title, purpose, current body or current steps contain
    every word of `query` (case-insensitive)."""
    _require_reader(user)
    qs = Playbook.objects.select_related("owner", "current").prefetch_related("stages")
    for word in query.split()[:10]:
        qs = qs.filter(_matches(word))
    return qs.order_by("title", "pk")


def _matches(word: str) -> Q:
    in_steps = Step.objects.filter(version=OuterRef("current")).filter(
        Q(who__icontains=word) | Q(what__icontains=word) | Q(why__icontains=word)
    )
    return (
        Q(title__icontains=word)
        | Q(purpose__icontains=word)
        | Q(current__body__icontains=word)
        | Q(Exists(in_steps))
    )


def get_playbook(*, user: Any, key: str) -> Playbook:
    _require_reader(user)
    steps = Prefetch("current__steps", queryset=Step.objects.order_by("position"))
    playbook = (
        Playbook.objects.select_related("owner", "current__author")
        .prefetch_related("stages", "terms", steps)
        .filter(key=key)
        .first()
    )
    if playbook is None:
        raise NotFound(f"No playbook with key {key!r}.", field="key")
    return playbook


def versions(*, playbook: Playbook) -> QuerySet[PlaybookVersion]:
    return playbook.versions.select_related("author").order_by("-number")


def get_version(*, playbook: Playbook, number: int, field: str = "version") -> PlaybookVersion:
    version = (
        playbook.versions.select_related("author")
        .prefetch_related(Prefetch("steps", queryset=Step.objects.order_by("position")))
        .filter(number=number)
        .first()
    )
    if version is None:
        raise NotFound(f"Playbook {playbook.key!r} has no version {number}.", field=field)
    return version


def diff(*, playbook: Playbook, old: int, new: int) -> Diff:
    return diff_versions(
        get_version(playbook=playbook, number=old, field="from"),
        get_version(playbook=playbook, number=new, field="to"),
    )


def reviews(*, playbook: Playbook) -> QuerySet[Review]:
    people = Prefetch("attendees", queryset=User.objects.order_by("username"))
    return playbook.reviews.select_related("recorded_by", "version").prefetch_related(people)


def due_reviews(*, user: Any, today: date | None = None) -> QuerySet[Playbook]:
    """Playbooks whose next review is today or overdue, most overdue first."""
    today = today or timezone.localdate()
    qs = playbooks_visible_to(user=user).filter(next_review_due__lte=today)
    return qs.order_by("next_review_due", "title", "pk")


def for_stage(*, stage_id: int) -> list[Playbook]:
    """The playbooks linked to a funnel stage, with their current steps: guidance for a lead
    in that stage."""
    steps = Prefetch("current__steps", queryset=Step.objects.order_by("position"))
    qs = Playbook.objects.filter(stages=stage_id).select_related("current", "owner")
    return list(qs.prefetch_related(steps).order_by("title", "pk"))
