"""The scoreboard pages. One view serves the full page or, for htmx, only the board fragment."""

from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from truce.errors import DomainError

from . import scoreboard as board
from .models import Commitment, CommitmentKind, Period

PAGE_SIZE = 50
PACE = {True: "On track", False: "Behind", None: "No data"}


SHORT = {
    "mql_volume": "Sales-ready leads",
    "acceptance_rate": "Accepted %",
    "opportunity_rate": "Reached opportunity %",
    "campaign_count": "Campaigns",
    "first_touch": "First touch on time %",
    "touches": "Touches on time %",
    "disposition": "Disposition on time %",
    "outcome": "Outcome on time %",
}


def commitment_title(c: Commitment) -> str:
    """The promise in words, with its own numbers for the time-bound ones."""
    hours = format(c.hours.normalize(), "f") if c.hours is not None else ""
    target = format(c.target.normalize(), "f")
    titles = {
        CommitmentKind.FIRST_TOUCH: f"First sales touch within {hours} business hours",
        CommitmentKind.DISPOSITION: f"Accept or reject within {hours} business hours",
        CommitmentKind.TOUCHES: f"At least {target} sales touches within {c.days} days",
        CommitmentKind.OUTCOME: f"An outcome within {c.days} days",
    }
    return titles.get(CommitmentKind(c.kind), c.get_kind_display())


def _htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def figure_text(value: Decimal | None, *, rate: bool) -> str:
    if value is None:
        return "no data" if rate else "—"
    text = format(value.normalize(), "f")
    return f"{text} %" if rate else text


def _detail(figure: board.Figure) -> str:
    return "" if figure.denominator is None else f"{figure.numerator} of {figure.denominator}"


def _leads_url(**params: Any) -> str:
    return f"{reverse('agreements:scoreboard_leads')}?{board.leads_query(**params)}"


def _person_row(
    period: board.BoardPeriod, score: board.CommitmentScore, person: board.PersonScore
) -> dict[str, Any]:
    none_label = "No owner" if score.split_by == "owner" else "No campaign owner"
    return {
        "name": person.name or none_label,
        "actual": figure_text(person.figure.value, rate=score.is_rate),
        "detail": _detail(person.figure),
        "link": _leads_url(period=period, commitment=score.commitment, owner=person.user_id),
        "pace": PACE[person.on_track] if score.is_rate else "",
    }


def _commitment_row(period: board.BoardPeriod, score: board.CommitmentScore) -> dict[str, Any]:
    c = score.commitment
    scope = ", ".join(x for x in (c.product_line, c.segment) if x)
    pace = PACE[score.on_track]
    if score.on_track is None and not score.is_rate:
        pace = "Not started"
    return {
        "id": c.pk,
        "label": commitment_title(c),
        "scope": scope,
        "target": figure_text(score.target, rate=score.is_rate),
        "actual": figure_text(score.actual.value, rate=score.is_rate),
        "detail": _detail(score.actual),
        "link": _leads_url(period=period, commitment=c),
        "projected": "" if score.projected is None else figure_text(score.projected, rate=False),
        "pace": pace,
        "on_track": score.on_track,
        "split_by": score.split_by,
        "people": [_person_row(period, score, p) for p in score.people],
    }


def _chart(team: board.TeamScore) -> dict[str, Any]:
    def number(value: Decimal | None) -> float | None:
        return None if value is None else float(value)

    return {
        "labels": [SHORT[s.kind] for s in team.commitments],
        "target": [number(s.target) for s in team.commitments],
        "actual": [number(s.actual.value) for s in team.commitments],
    }


def board_context(result: board.Scoreboard) -> dict[str, Any]:
    period = result.period
    previous, following = period.neighbours()
    now = result.now
    return {
        "board": result,
        "period": period,
        "elapsed_percent": (result.elapsed * 100).quantize(Decimal("1")),
        "previous": previous,
        "next": following,
        "shortcuts": [
            (label, board.period_containing(kind, now).key)
            for kind, label in (
                (Period.WEEK, "This week"),
                (Period.MONTH, "This month"),
                (Period.QUARTER, "This quarter"),
            )
        ],
        "teams": [
            {
                "team": t,
                "rows": [_commitment_row(period, s) for s in t.commitments],
                "chart": _chart(t),
                "chart_id": f"chart-{t.team}",
                "data_id": f"chart-{t.team}-data",
            }
            for t in result.teams
        ],
        "black_hole": [
            {
                "lead": row.lead,
                "owner": row.owner,
                "missing": " and ".join(row.missing),
                "due_at": row.due_at,
                "overdue": board.describe_overdue(row.overdue),
            }
            for row in result.black_hole
        ],
    }


@login_required
def scoreboard_page(request: HttpRequest) -> HttpResponse:
    text = request.GET.get("period", "")
    try:
        period = board.parse_period(text)
    except DomainError as error:
        context = {"error": error.message, "period_text": text, "nav": "scoreboard"}
        template = (
            "agreements/partials/board.html" if _htmx(request) else "agreements/scoreboard.html"
        )
        return render(request, template, context, status=error.status)
    context = {**board_context(board.scoreboard(period=period)), "nav": "scoreboard"}
    context["period_text"] = period.key
    template = "agreements/partials/board.html" if _htmx(request) else "agreements/scoreboard.html"
    return render(request, template, context)


PART_LABEL = {"hit": "counted as met", "miss": "counted as missed"}


@login_required
def scoreboard_leads(request: HttpRequest) -> HttpResponse:
    """The leads behind one figure of the scoreboard."""
    try:
        period = board.parse_period(request.GET.get("period", ""))
        commitment = board.get_commitment(commitment_id=_int(request.GET.get("commitment", "")))
        owner = request.GET.get("owner", "")
        part = request.GET.get("part", "")
        leads = board.leads_behind(commitment=commitment, period=period, owner=owner, part=part)
    except DomainError as error:
        failed = {"error": error.message, "nav": "scoreboard"}
        return render(request, "agreements/scoreboard_leads.html", failed, status=error.status)
    leads = leads.select_related("contact", "company", "stage", "owner").order_by("-pk")
    page = Paginator(leads, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context: dict[str, Any] = {
        "commitment": commitment,
        "period": period,
        "part": PART_LABEL.get(part, ""),
        "owner": owner,
        "page": page,
        "query": query.urlencode(),
        "nav": "scoreboard",
    }
    return render(request, "agreements/scoreboard_leads.html", context)


def _int(text: str) -> int:
    if not text.isdigit() or len(text) > 18:
        raise DomainError("Say which commitment (its id).", field="commitment")
    return int(text)
