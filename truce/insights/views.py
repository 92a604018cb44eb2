"""The report pages: an index, and one page per report (form, chart, table, CSV export) that
serves every report from its Table; for htmx only the result fragment."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from truce.errors import DomainError

from .reports.base import Table
from .reports.grouping import COLUMNS as GROUPINGS
from .reports.render import cell_text, csv_text, table_data
from .reports.runner import build_query, catalogue, run_report

FIELDS = ("by", "from", "to", "as_of")
OPTIONS = ("model", "half_life_days", "value", "period")


@login_required
def report_index(request: HttpRequest) -> HttpResponse:
    return render(request, "insights/index.html", {"reports": catalogue(), "nav": "reports"})


def _run(name: str, params: dict[str, str]) -> Table:
    query = build_query(
        by=params["by"],
        start=params["from"],
        end=params["to"],
        as_of=params["as_of"],
        **{k: params[k] for k in OPTIONS},
    )
    return run_report(name, query)


def _context(table: Table) -> dict[str, Any]:
    return {
        "table": table,
        "cells": [
            [(cell_text(r.get(c.key), c.kind), c.kind != "text") for c in table.columns]
            for r in table.rows
        ],
        "data": table_data(table),
    }


@login_required
def report_page(request: HttpRequest, name: str) -> HttpResponse:
    params = {k: request.GET.get(k, "").strip()[:64] for k in (*FIELDS, *OPTIONS)}
    context: dict[str, Any] = {
        "name": name,
        "params": params,
        "groupings": list(GROUPINGS),
        "titles": {r["name"]: r["title"] for r in catalogue()},
        "csv_query": request.GET.copy(),
        "nav": "reports",
    }
    context["csv_query"]["format"] = "csv"
    context["csv_query"] = context["csv_query"].urlencode()
    htmx = request.headers.get("HX-Request") == "true"
    template = "insights/partials/result.html" if htmx else "insights/report.html"
    try:
        table = _run(name, params)
    except DomainError as error:
        context.update(error=error.message, error_field=error.field)
        return render(request, template, context, status=error.status)
    if request.GET.get("format") == "csv":
        response = HttpResponse(csv_text(table), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{table.name}.csv"'
        return response
    return render(request, template, {**context, **_context(table)})
