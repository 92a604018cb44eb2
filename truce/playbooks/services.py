"""Writing playbooks: create, edit (always a new version), record a review. Each runs in one
transaction and appends its ledger event there."""

from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from truce.errors import Conflict, DomainError, PermissionDenied
from truce.identity.permissions import can, require
from truce.ledger import services as ledger

from . import drafts
from .models import Playbook, PlaybookVersion, Review, Step

EDITABLE = (
    "title",
    "purpose",
    "body",
    "steps",
    "stages",
    "terms",
    "collateral",
    "owner",
    "review_cadence_days",
)


def may_edit(user: Any, playbook: Playbook) -> bool:
    """Team owners and admins edit any playbook; its owner edits their own."""
    if can(user, "edit_playbooks"):
        return True
    return bool(user.is_active and playbook.owner_id == user.pk)


def _require_edit(actor: Any, playbook: Playbook) -> None:
    if not may_edit(actor, playbook):
        role = getattr(actor, "role", "?")
        raise PermissionDenied(
            f"The {role} role may not change this playbook; its owner or a team owner may."
        )


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    """Every editable field checked, with links resolved to records."""
    return {
        "title": drafts.check_text(values["title"], field="title", limit=200),
        "purpose": drafts.check_text(values["purpose"], field="purpose", limit=4000),
        "body": drafts.check_body(values["body"]),
        "steps": drafts.check_steps(values["steps"]),
        "stages": drafts.resolve_stages(values["stages"]),
        "terms": drafts.resolve_terms(values["terms"]),
        "collateral": drafts.check_collateral(values["collateral"]),
        "owner": values["owner"],
        "review_cadence_days": drafts.check_cadence(values["review_cadence_days"]),
    }


def _links(clean: dict[str, Any]) -> dict[str, Any]:
    owner = clean["owner"]
    return {
        "stages": [s.key for s in clean["stages"]],
        "terms": [t.key for t in clean["terms"]],
        "collateral": clean["collateral"],
        "owner": owner.username if owner is not None else None,
        "review_cadence_days": clean["review_cadence_days"],
    }


def _write_version(
    playbook: Playbook, number: int, clean: dict[str, Any], *, note: str, actor: Any
) -> PlaybookVersion:
    version = PlaybookVersion.objects.create(
        playbook=playbook,
        number=number,
        title=clean["title"],
        purpose=clean["purpose"],
        body=clean["body"],
        links=_links(clean),
        change_note=note,
        author=actor,
        created_at=timezone.now(),
    )
    Step.objects.bulk_create(
        Step(version=version, position=i + 1, who=s.who, what=s.what, why=s.why)
        for i, s in enumerate(clean["steps"])
    )
    return version


def _apply(playbook: Playbook, clean: dict[str, Any], version: PlaybookVersion) -> None:
    for name in ("title", "purpose", "collateral", "owner", "review_cadence_days"):
        setattr(playbook, name, clean[name])
    playbook.current = version
    playbook.updated_at = version.created_at
    playbook.save()
    playbook.stages.set(clean["stages"])
    playbook.terms.set(clean["terms"])


def create_playbook(
    *,
    actor: Any,
    key: str,
    title: str,
    purpose: str,
    steps: list[Any],
    body: str = "",
    owner: Any = None,
    stages: list[str] | tuple[str, ...] = (),
    terms: list[str] | tuple[str, ...] = (),
    collateral: list[dict[str, str]] | tuple[dict[str, str], ...] = (),
    review_cadence_days: int = 90,
    next_review_due: date | None = None,
    change_note: str = "First version.",
) -> Playbook:
    require(actor, "edit_playbooks")
    key = drafts.check_key(key)
    values: dict[str, Any] = dict(title=title, purpose=purpose, body=body, steps=steps)
    values.update(stages=stages, terms=terms, collateral=collateral, owner=owner)
    clean = _clean({**values, "review_cadence_days": review_cadence_days})
    note = drafts.check_text(change_note, field="change_note", limit=500)
    due = next_review_due or timezone.localdate() + timedelta(days=review_cadence_days)
    try:
        with transaction.atomic():
            return _create(actor, key, clean, note, due)
    except IntegrityError:
        raise Conflict(f"A playbook with the key {key!r} already exists.", field="key") from None


def _create(actor: Any, key: str, clean: dict[str, Any], note: str, due: date) -> Playbook:
    now = timezone.now()
    playbook = Playbook.objects.create(
        key=key, title=clean["title"], purpose=clean["purpose"], next_review_due=due,
        created_at=now, updated_at=now,
    )  # fmt: skip
    version = _write_version(playbook, 1, clean, note=note, actor=actor)
    _apply(playbook, clean, version)
    ledger.append(
        kind="playbook.created",
        subject_type="playbook",
        subject_id=playbook.pk,
        actor=actor,
        payload={"key": key, "version": 1, "title": clean["title"], "next_review_due": due},
    )
    return playbook


def _locked(playbook: Playbook) -> Playbook:
    """Lock the row, then read it afresh: a join made while waiting for the lock would see
    the current version as it was before the other editor committed (PostgreSQL)."""
    list(Playbook.objects.select_for_update().filter(pk=playbook.pk).values_list("pk"))
    return Playbook.objects.select_related("current", "owner").get(pk=playbook.pk)


def current_values(playbook: Playbook) -> dict[str, Any]:
    """What an edit starts from: the current version's content in the shape `_clean` takes."""
    version = playbook.current
    assert version is not None
    return {
        "title": version.title,
        "purpose": version.purpose,
        "body": version.body,
        "steps": [{"who": s.who, "what": s.what, "why": s.why} for s in version.steps.all()],
        "stages": version.links.get("stages", []),
        "terms": version.links.get("terms", []),
        "collateral": version.links.get("collateral", []),
        "owner": playbook.owner,
        "review_cadence_days": playbook.review_cadence_days,
    }


def _changed(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    def comparable(name: str, clean: dict[str, Any]) -> Any:
        if name == "steps":
            return [vars(s) for s in clean[name]]
        if name in ("stages", "terms"):
            return [x.key for x in clean[name]]
        return clean[name]

    return [n for n in EDITABLE if comparable(n, before) != comparable(n, after)]


@transaction.atomic
def edit_playbook(
    *,
    playbook: Playbook,
    actor: Any,
    change_note: str,
    changes: dict[str, Any],
    base_version: int | None = None,
) -> PlaybookVersion:
    """A new version with `changes` applied to the current one. `base_version` is the number
    the editor started from: if someone saved since, the edit is refused, not lost."""
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise DomainError(f"{unknown[0]!r} cannot be changed.", field=unknown[0])
    playbook = _locked(playbook)
    _require_edit(actor, playbook)
    assert playbook.current is not None
    number = playbook.current.number
    if base_version is not None and base_version != number:
        raise Conflict(
            f"This playbook was saved as version {number} while you were editing version "
            f"{base_version}. Open it again and redo your change.",
            field="base_version",
        )
    before = _clean(current_values(playbook))
    after = _clean({**current_values(playbook), **changes})
    note = drafts.check_text(change_note, field="change_note", limit=500)
    changed = _changed(before, after)
    if not changed:
        raise DomainError("Nothing changed, so no new version was saved.", code="no_change")
    version = _write_version(playbook, number + 1, after, note=note, actor=actor)
    _apply(playbook, after, version)
    ledger.append(
        kind="playbook.edited",
        subject_type="playbook",
        subject_id=playbook.pk,
        actor=actor,
        payload={"key": playbook.key, "version": version.number, "changed": changed,
                 "change_note": note},
    )  # fmt: skip
    return version


@transaction.atomic
def record_review(
    *,
    playbook: Playbook,
    actor: Any,
    attendees: list[Any],
    what_changed: str,
    what_removed: str = "",
    reviewed_on: date | None = None,
) -> Review:
    """A batch day. The next review falls one cadence after the day of this one."""
    playbook = _locked(playbook)
    _require_edit(actor, playbook)
    assert playbook.current is not None
    today = timezone.localdate()
    reviewed_on = reviewed_on or today
    if reviewed_on > today:
        raise DomainError("A review cannot be recorded for a future day.", field="reviewed_on")
    people = list({u.pk: u for u in attendees if u is not None}.values())
    if not people:
        raise DomainError("Name at least one person who attended.", field="attendees")
    changed = drafts.check_text(what_changed, field="what_changed", limit=4000)
    removed = drafts.check_text(what_removed, field="what_removed", limit=4000, required=False)
    previous_due = playbook.next_review_due
    due = reviewed_on + timedelta(days=playbook.review_cadence_days)
    review = Review.objects.create(
        playbook=playbook, version=playbook.current, reviewed_on=reviewed_on,
        what_changed=changed, what_removed=removed, next_review_due=due, recorded_by=actor,
        created_at=timezone.now(),
    )  # fmt: skip
    review.attendees.set(people)
    playbook.next_review_due = due
    playbook.save(update_fields=["next_review_due"])
    ledger.append(
        kind="playbook.reviewed",
        subject_type="playbook",
        subject_id=playbook.pk,
        actor=actor,
        payload={
            "key": playbook.key,
            "review_id": review.pk,
            "version": playbook.current.number,
            "reviewed_on": reviewed_on,
            "attendees": sorted(u.username for u in people),
            "previous_due": previous_due,
            "next_review_due": due,
        },
    )
    return review
