"""REST endpoints of pulse (see docs/reference/api.md). Creates take no Idempotency-Key: the
key store keeps the caller beside the response, which for a post would name its author."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from pydantic import Field, StrictInt

from truce.api.auth import actor
from truce.api.responses import json_response
from truce.api.schemas import ERRORS, Id, Input

from . import selectors, services
from .models import Post, Reply, Round
from .selectors import RoundResult

router = Router(tags=["pulse"])

Text = Annotated[str, Field(min_length=1, max_length=services.MAX_POST_CHARS)]


class ReplyOut(Schema):
    id: int
    author: str
    body: str
    created_at: datetime


class PostOut(Schema):
    id: UUID
    body: str
    posted_on: date = Field(description="The day only: no time is stored.")
    replies: list[ReplyOut]


class PostList(Schema):
    items: list[PostOut]


class PostIn(Input):
    body: Text


class ReplyIn(Input):
    body: Text


class QuestionOut(Schema):
    key: str
    text: str
    low_label: str
    high_label: str


class SurveyOut(Schema):
    round_id: int | None
    opens_on: date | None
    closes_on: date | None
    questions: list[QuestionOut]
    answered: bool = Field(description="Whether you have answered this round.")
    respondents: int


class AnswersIn(Input):
    round_id: Id
    scores: dict[Annotated[str, Field(max_length=50)], StrictInt] = Field(
        description="Question key → score from 1 to 5, every question."
    )


class AnswersOut(Schema):
    round_id: int
    recorded: bool


class QuestionResultOut(Schema):
    key: str
    text: str
    mean: Decimal
    distribution: list[int] = Field(description="How many answered 1, 2, 3, 4 and 5.")


class RoundResultOut(Schema):
    round_id: int
    opens_on: date
    closes_on: date
    respondents: int
    shown: bool
    withheld: str | None = Field(description="'not enough answers' or 'round still open'.")
    questions: list[QuestionResultOut]


class ResultsOut(Schema):
    min_answers: int
    rounds: list[RoundResultOut]


def reply_dict(reply: Reply) -> dict[str, Any]:
    return {
        "id": reply.pk,
        "author": reply.author.display_name,
        "body": reply.body,
        "created_at": reply.created_at,
    }


def post_dict(post: Post) -> dict[str, Any]:
    replies = [reply_dict(r) for r in post.replies.all()]
    return {"id": post.pk, "body": post.body, "posted_on": post.posted_on, "replies": replies}


def survey_dict(request: HttpRequest, round_: Round | None) -> dict[str, Any]:
    if round_ is None:
        keys = ("round_id", "opens_on", "closes_on")
        return {**dict.fromkeys(keys), "questions": [], "answered": False, "respondents": 0}
    questions = [
        {"key": q.key, "text": q.text, "low_label": q.low_label, "high_label": q.high_label}
        for q in round_.questions.all()
    ]
    return {
        "round_id": round_.pk,
        "opens_on": round_.opens_on,
        "closes_on": round_.closes_on,
        "questions": questions,
        "answered": selectors.has_answered(user=actor(request), round_=round_),
        "respondents": selectors.respondents(round_=round_),
    }


def result_dict(row: RoundResult) -> dict[str, Any]:
    return {
        "round_id": row.round.pk,
        "opens_on": row.round.opens_on,
        "closes_on": row.round.closes_on,
        "respondents": row.respondents,
        "shown": row.shown,
        "withheld": row.withheld,
        "questions": [q.__dict__ for q in row.questions],
    }


@router.get("/pulse/posts", response={200: PostList, **ERRORS})
def list_posts(
    request: HttpRequest, limit: Annotated[int, Query(50, ge=1, le=200)] = 50
) -> HttpResponse:
    posts = selectors.posts_visible_to(user=actor(request))[:limit]
    return json_response({"items": [post_dict(p) for p in posts]})


@router.post("/pulse/posts", response={201: PostOut, **ERRORS})
def create_post(request: HttpRequest, payload: PostIn) -> HttpResponse:
    post = services.write_post(actor=actor(request), body=payload.body)
    return json_response(post_dict(post), status=201)


@router.post("/pulse/posts/{post_id}/replies", response={201: ReplyOut, **ERRORS})
def create_reply(request: HttpRequest, post_id: UUID, payload: ReplyIn) -> HttpResponse:
    post = selectors.get_post(user=actor(request), post_id=post_id)
    reply = services.reply_to_post(post=post, actor=actor(request), body=payload.body)
    return json_response(reply_dict(reply), status=201)


@router.get("/pulse/survey", response={200: SurveyOut, **ERRORS})
def read_survey(request: HttpRequest) -> HttpResponse:
    return json_response(survey_dict(request, selectors.open_round(user=actor(request))))


@router.post("/pulse/survey/answers", response={201: AnswersOut, **ERRORS})
def answer_survey(request: HttpRequest, payload: AnswersIn) -> HttpResponse:
    round_ = selectors.get_round(user=actor(request), round_id=payload.round_id)
    services.answer_survey(round_=round_, actor=actor(request), scores=payload.scores)
    return json_response({"round_id": round_.pk, "recorded": True}, status=201)


@router.get("/pulse/results", response={200: ResultsOut, **ERRORS})
def read_results(request: HttpRequest) -> HttpResponse:
    rows = selectors.results(user=actor(request))
    return json_response(
        {"min_answers": selectors.min_answers(), "rounds": [result_dict(r) for r in rows]}
    )
