"""REST endpoints of insights (see docs/reference/api.md): the reports, as columns and rows
(JSON) or as CSV; the same runner as `truce report` and the pages."""

from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from pydantic import ConfigDict, Field

from truce.api.responses import json_response
from truce.api.schemas import ERRORS

from .reports.render import csv_text, table_data
from .reports.runner import build_query, catalogue, run_report

router = Router(tags=["reports"])
Text = Annotated[str, Field(max_length=64)]


class ReportItem(Schema):
    name: str
    title: str


class ReportList(Schema):
    items: list[ReportItem]


class ColumnOut(Schema):
    key: str
    label: str
    kind: str = Field(description="text, int, decimal, percent or duration (seconds)")


class TableOut(Schema):
    name: str
    title: str
    columns: list[ColumnOut]
    rows: list[dict[str, Any]] = Field(description="One object per row, keyed by column key.")
    notes: list[str]
    chart: dict[str, Any] | None


class ReportQuery(Schema):
    model_config = ConfigDict(populate_by_name=True)

    by: Text = Field("", description="period, source, campaign, product_line, owner, team, stage")
    start: Text = Field("", alias="from", description="A date (2026-11-01) or an ISO datetime.")
    end: Text = Field("", alias="to", description="A date, included, or an ISO datetime.")
    as_of: Text = Field("", description="The report as it stood at this moment.")
    model: Text = ""
    half_life_days: Text = ""
    value: Text = ""
    period: Text = Field("", description="quality: a month, a quarter or an ISO week")
    format: Literal["json", "csv"] = "json"


@router.get("/reports", response={200: ReportList, **ERRORS})
def list_reports(request: HttpRequest) -> HttpResponse:
    """Every report by name."""
    return json_response({"items": catalogue()})


@router.get("/reports/{name}", response={200: TableOut, **ERRORS})
def read_report(request: HttpRequest, name: str, query: Query[ReportQuery]) -> HttpResponse:
    """One report: its columns and rows, or with `format=csv` the same as a CSV file."""
    options = query.dict(exclude={"by", "start", "end", "as_of", "format"})
    table = run_report(
        name,
        build_query(by=query.by, start=query.start, end=query.end, as_of=query.as_of, **options),
    )
    if query.format == "csv":
        response = HttpResponse(csv_text(table), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{table.name}.csv"'
        return response
    return json_response(table_data(table))
