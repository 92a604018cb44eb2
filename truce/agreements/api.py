"""REST endpoint for the scoreboard: the same figures as the page and `truce report`."""

from datetime import datetime
from typing import Annotated

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from pydantic import Field

from truce.api.responses import json_response
from truce.api.schemas import ERRORS

from . import scoreboard

router = Router(tags=["scoreboard"])


class FigureOut(Schema):
    value: str | None = Field(description="A count, or a percentage; null when a rate has no data.")
    numerator: int
    denominator: int | None = Field(description="Null for counts.")


class PersonOut(Schema):
    user_id: int | None = Field(description="Null gathers the figures with no owner.")
    name: str
    value: str | None
    numerator: int
    denominator: int | None
    on_track: bool | None


class CommitmentOut(Schema):
    id: int
    kind: str
    label: str
    team: str
    unit: str = Field(description="count or percent")
    product_line: str
    segment: str
    target: str
    actual: FigureOut
    projected: str | None = Field(description="Counts: actual / elapsed share of the period.")
    on_track: bool | None
    split_by: str = Field(description="owner (sales) or campaign owner (marketing)")
    people: list[PersonOut]


class TeamOut(Schema):
    team: str
    label: str
    commitments: list[CommitmentOut]


class PeriodOut(Schema):
    key: str
    kind: str
    label: str
    start: datetime
    end: datetime
    elapsed_share: str


class AgreementRef(Schema):
    id: int
    version: int
    title: str


class OverdueOut(Schema):
    lead_id: int
    lead: str
    owner: str | None
    missing: list[str]
    due_at: datetime
    overdue_seconds: int


class OverdueList(Schema):
    count: int
    items: list[OverdueOut]


class BreachOut(Schema):
    clock_id: int
    lead_id: int
    lead: str
    owner: str | None
    commitment: str
    due_at: datetime
    breached_at: datetime


class BreachList(Schema):
    count: int
    items: list[BreachOut]


class ScoreboardOut(Schema):
    period: PeriodOut
    agreement: AgreementRef | None
    teams: list[TeamOut]
    black_hole: OverdueList
    breaches: BreachList


class ScoreboardQuery(Schema):
    period: Annotated[str, Field(description=scoreboard.PERIOD_HELP)] = ""


@router.get("/scoreboard", response={200: ScoreboardOut, **ERRORS})
def read_scoreboard(request: HttpRequest, query: Query[ScoreboardQuery]) -> HttpResponse:
    """The scoreboard of the agreement in force during the period (default: this month)."""
    period = scoreboard.parse_period(query.period)
    return json_response(scoreboard.board_data(scoreboard.scoreboard(period=period)))
