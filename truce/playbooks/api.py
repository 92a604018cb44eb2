"""REST endpoints of playbooks (see docs/reference/api.md). Everyone with a token reads; the
playbook's owner, team owners and admins write. Playbooks are addressed by their key."""

from datetime import date, datetime
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from pydantic import Field

from truce.api import references
from truce.api.auth import actor
from truce.api.idempotency import create_once
from truce.api.pagination import Cursor, Limit, page
from truce.api.responses import json_response
from truce.api.schemas import ERRORS, IdempotencyKey, Input

from . import selectors, services
from .models import Playbook, PlaybookVersion, Review
from .rendering import render_markdown

router = Router(tags=["playbooks"])

Key = Annotated[str, Field(max_length=80)]
Text = Annotated[str, Field(max_length=4000)]
Number = Annotated[int, Field(ge=1, le=1_000_000)]


class StepSchema(Schema):
    who: Annotated[str, Field(max_length=200)]
    what: Text
    why: Text = Field(description="Required: a step that does not say why is refused.")


class CollateralSchema(Schema):
    title: Annotated[str, Field(max_length=200)]
    url: Annotated[str, Field(max_length=500)] = ""


class VersionOut(Schema):
    number: int
    title: str
    purpose: str
    body: str = Field(description="Markdown, as written.")
    body_html: str = Field(description="The body rendered and sanitised.")
    steps: list[StepSchema]
    links: dict[str, Any]
    change_note: str
    author: str | None
    created_at: datetime


class PlaybookOut(Schema):
    id: int
    key: str
    title: str
    purpose: str
    owner: str | None
    stages: list[str]
    terms: list[str]
    collateral: list[CollateralSchema]
    review_cadence_days: int
    next_review_due: date
    version: int
    created_at: datetime
    updated_at: datetime


class PlaybookDetail(PlaybookOut):
    current: VersionOut


class PlaybookPage(Schema):
    items: list[PlaybookOut]
    next_cursor: str | None


class PlaybookIn(Input):
    key: Key
    title: Annotated[str, Field(max_length=200)]
    purpose: Text
    body: Annotated[str, Field(max_length=100_000)] = ""
    steps: Annotated[list[StepSchema], Field(max_length=60)]
    owner: Annotated[str, Field(max_length=150)] | None = Field(None, description="A username.")
    stages: list[Key] = Field(default_factory=list, description="Funnel stage keys.")
    terms: list[Key] = Field(default_factory=list, description="Glossary term keys.")
    collateral: Annotated[list[CollateralSchema], Field(max_length=50)] = Field(
        default_factory=list
    )
    review_cadence_days: Annotated[int, Field(ge=1, le=3650)] = 90
    next_review_due: date | None = None


class VersionIn(Input):
    """Only the fields sent change; the rest are carried over from the current version."""

    change_note: Annotated[str, Field(min_length=1, max_length=500)]
    base_version: Number | None = Field(
        None, description="The version you edited; refused with 409 if another was saved since."
    )
    title: Annotated[str, Field(max_length=200)] = ""
    purpose: Text = ""
    body: Annotated[str, Field(max_length=100_000)] = ""
    steps: Annotated[list[StepSchema], Field(max_length=60)] = Field(default_factory=list)
    owner: Annotated[str, Field(max_length=150)] | None = None
    stages: list[Key] = Field(default_factory=list)
    terms: list[Key] = Field(default_factory=list)
    collateral: Annotated[list[CollateralSchema], Field(max_length=50)] = Field(
        default_factory=list
    )
    review_cadence_days: Annotated[int, Field(ge=1, le=3650)] = 90


class DiffLine(Schema):
    kind: str
    old_number: int | None
    new_number: int | None
    text: str


class DiffOut(Schema):
    key: str
    from_version: int
    to_version: int
    added: int
    removed: int
    hunks: list[list[DiffLine]]


class ReviewIn(Input):
    attendees: Annotated[list[Annotated[str, Field(max_length=150)]], Field(max_length=100)]
    what_changed: Text
    what_removed: Text = ""
    reviewed_on: date | None = None


class ReviewOut(Schema):
    id: int
    key: str
    version: int
    reviewed_on: date
    attendees: list[str]
    what_changed: str
    what_removed: str
    next_review_due: date
    recorded_by: str | None


def playbook_dict(playbook: Playbook) -> dict[str, Any]:
    assert playbook.current is not None
    return {
        "id": playbook.pk,
        "key": playbook.key,
        "title": playbook.title,
        "purpose": playbook.purpose,
        "owner": playbook.owner.username if playbook.owner else None,
        "stages": playbook.current.links.get("stages", []),
        "terms": playbook.current.links.get("terms", []),
        "collateral": playbook.collateral,
        "review_cadence_days": playbook.review_cadence_days,
        "next_review_due": playbook.next_review_due,
        "version": playbook.current.number,
        "created_at": playbook.created_at,
        "updated_at": playbook.updated_at,
    }


def version_dict(version: PlaybookVersion) -> dict[str, Any]:
    return {
        "number": version.number,
        "title": version.title,
        "purpose": version.purpose,
        "body": version.body,
        "body_html": str(render_markdown(version.body)),
        "steps": [{"who": s.who, "what": s.what, "why": s.why} for s in version.steps.all()],
        "links": version.links,
        "change_note": version.change_note,
        "author": version.author.username if version.author else None,
        "created_at": version.created_at,
    }


def review_dict(review: Review) -> dict[str, Any]:
    return {
        "id": review.pk,
        "key": review.playbook.key,
        "version": review.version.number,
        "reviewed_on": review.reviewed_on,
        "attendees": sorted(u.username for u in review.attendees.all()),
        "what_changed": review.what_changed,
        "what_removed": review.what_removed,
        "next_review_due": review.next_review_due,
        "recorded_by": review.recorded_by.username if review.recorded_by else None,
    }


def _detail(request: HttpRequest, key: str) -> dict[str, Any]:
    playbook = selectors.get_playbook(user=actor(request), key=key)
    assert playbook.current is not None
    return {**playbook_dict(playbook), "current": version_dict(playbook.current)}


def _owner(values: dict[str, Any]) -> dict[str, Any]:
    if "owner" in values:
        values["owner"] = references.user_by_username(values["owner"], field="owner")
    return values


@router.get("/playbooks", response={200: PlaybookPage, **ERRORS})
def list_playbooks(
    request: HttpRequest,
    q: Annotated[str, Query("", max_length=200, description="Words to search for.")] = "",
    limit: Limit = 50,
    cursor: Cursor = None,
) -> HttpResponse:
    qs = selectors.playbooks_visible_to(user=actor(request), query=q)
    rows, next_cursor = page(qs, limit=limit, cursor=cursor)
    return json_response({"items": [playbook_dict(p) for p in rows], "next_cursor": next_cursor})


@router.get("/playbooks/due", response={200: list[PlaybookOut], **ERRORS})
def due_playbooks(request: HttpRequest) -> HttpResponse:
    rows = selectors.due_reviews(user=actor(request))
    return json_response([playbook_dict(p) for p in rows])


@router.get("/playbooks/{key}", response={200: PlaybookDetail, **ERRORS})
def read_playbook(request: HttpRequest, key: Key) -> HttpResponse:
    return json_response(_detail(request, key))


@router.post("/playbooks", response={201: PlaybookDetail, **ERRORS})
def create_playbook(
    request: HttpRequest, payload: PlaybookIn, idempotency_key: IdempotencyKey = None
) -> HttpResponse:
    body = payload.model_dump(mode="json")

    def create() -> tuple[int, dict[str, Any]]:
        values = _owner(payload.model_dump())
        playbook = services.create_playbook(actor=actor(request), **values)
        return 201, _detail(request, playbook.key)

    return create_once(request, key=idempotency_key, body=body, create=create)


@router.get("/playbooks/{key}/versions", response={200: list[VersionOut], **ERRORS})
def list_versions(request: HttpRequest, key: Key) -> HttpResponse:
    playbook = selectors.get_playbook(user=actor(request), key=key)
    versions = selectors.versions(playbook=playbook).prefetch_related("steps")
    return json_response([version_dict(v) for v in versions])


@router.get("/playbooks/{key}/versions/{number}", response={200: VersionOut, **ERRORS})
def read_version(request: HttpRequest, key: Key, number: Number) -> HttpResponse:
    playbook = selectors.get_playbook(user=actor(request), key=key)
    return json_response(version_dict(selectors.get_version(playbook=playbook, number=number)))


@router.post("/playbooks/{key}/versions", response={201: PlaybookDetail, **ERRORS})
def create_version(request: HttpRequest, key: Key, payload: VersionIn) -> HttpResponse:
    playbook = selectors.get_playbook(user=actor(request), key=key)
    changes = _owner(payload.model_dump(exclude_unset=True))
    note, base = changes.pop("change_note"), changes.pop("base_version", None)
    services.edit_playbook(
        playbook=playbook, actor=actor(request), change_note=note, changes=changes,
        base_version=base,
    )  # fmt: skip
    return json_response(_detail(request, key), status=201)


@router.get("/playbooks/{key}/diff", response={200: DiffOut, **ERRORS})
def diff_versions(
    request: HttpRequest,
    key: Key,
    from_version: Annotated[Number, Query(..., alias="from")],
    to_version: Annotated[Number, Query(..., alias="to")],
) -> HttpResponse:
    playbook = selectors.get_playbook(user=actor(request), key=key)
    diff = selectors.diff(playbook=playbook, old=from_version, new=to_version)
    hunks = [[vars(line) for line in hunk] for hunk in diff.hunks]
    return json_response(
        {"key": key, "from_version": from_version, "to_version": to_version,
         "added": diff.added, "removed": diff.removed, "hunks": hunks}
    )  # fmt: skip


@router.get("/playbooks/{key}/reviews", response={200: list[ReviewOut], **ERRORS})
def list_reviews(request: HttpRequest, key: Key) -> HttpResponse:
    playbook = selectors.get_playbook(user=actor(request), key=key)
    reviews = selectors.reviews(playbook=playbook).select_related("playbook")
    return json_response([review_dict(r) for r in reviews])


@router.post("/playbooks/{key}/reviews", response={201: ReviewOut, **ERRORS})
def record_review(request: HttpRequest, key: Key, payload: ReviewIn) -> HttpResponse:
    playbook = selectors.get_playbook(user=actor(request), key=key)
    people = [references.user_by_username(u, field="attendees") for u in payload.attendees]
    review = services.record_review(
        playbook=playbook, actor=actor(request), attendees=people,
        what_changed=payload.what_changed, what_removed=payload.what_removed,
        reviewed_on=payload.reviewed_on,
    )  # fmt: skip
    return json_response(review_dict(review), status=201)
