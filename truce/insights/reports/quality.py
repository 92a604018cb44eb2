"""Lead volume and lead quality exactly as the agreement in force defines them: the
scoreboard's own figures (`lead_figures`) for its mql_volume, acceptance_rate and
opportunity_rate commitments, month by month, so the two cannot disagree."""

from datetime import datetime
from typing import Any

from django.utils import timezone

from truce.agreements.models import CommitmentKind, Period
from truce.agreements.scoreboard import (
    BoardPeriod,
    Figure,
    agreement_for,
    board_target,
    lead_figures,
    parse_period,
    period_containing,
)
from truce.agreements.scoreboard.shapes import COUNTS

from ..errors import InvalidReportQuery
from ..facts.source import FactsSource
from .base import Column, Query, Table, register
from .grouping import labels

KINDS = (CommitmentKind.MQL_VOLUME, CommitmentKind.ACCEPTANCE_RATE, CommitmentKind.OPPORTUNITY_RATE)
MAX_PERIODS = 36
COLUMNS = [
    Column("period", "Period"),
    Column("commitment", "Commitment"),
    Column("scope", "Scope"),
    Column("target", "Target", "decimal"),
    Column("numerator", "Count", "int"),
    Column("denominator", "Out of", "int"),
    Column("value", "Actual", "decimal"),
]


def periods(query: Query, now: datetime) -> list[BoardPeriod]:
    """The `period` option (a month, quarter or week), else every month the window touches,
    else the current month."""
    if "period" in query.options:
        return [parse_period(str(query.options["period"]))]
    moment = query.start or now
    end = query.end or period_containing(Period.MONTH, moment).end
    months = []
    while moment < end:
        month = period_containing(Period.MONTH, moment)
        months.append(month)
        moment = month.end
        if len(months) > MAX_PERIODS:
            raise InvalidReportQuery(f"Ask for at most {MAX_PERIODS} months.", field="from")
    return months


def _row(period: BoardPeriod, commitment: Any, figure: Figure) -> dict[str, Any]:
    scope = " / ".join(s for s in (commitment.product_line, commitment.segment) if s)
    return {
        "period": period.key,
        "commitment": commitment.get_kind_display(),
        "scope": scope,
        "target": board_target(commitment, period),
        "numerator": figure.numerator,
        "denominator": figure.denominator,
        "value": figure.value,
    }


def period_rows(period: BoardPeriod, by_owner: bool, now: datetime) -> list[dict[str, Any]]:
    agreement = agreement_for(period, now)
    commitments = [c for c in agreement.commitments.all() if c.kind in KINDS] if agreement else []
    figures = lead_figures(commitments, period)
    names = labels("owner", [o for f in figures.values() for o in f]) if by_owner else {}
    rows = []
    for c in commitments:
        empty = Figure(0) if c.kind in COUNTS else Figure(0, 0)
        if not by_owner:
            rows.append(_row(period, c, sum(figures[c.pk].values(), empty)))
            continue
        for owner, figure in sorted(figures[c.pk].items(), key=lambda i: names[i[0]].lower()):
            rows.append({"group": names[owner], **_row(period, c, figure)})
    return rows


@register("quality", live_only=True)
def quality(query: Query, source: FactsSource) -> Table:
    """Lead volume and quality: the agreement's MQL volume, acceptance and opportunity rates."""
    if query.by not in (None, "owner"):
        raise InvalidReportQuery(f"This report groups by owner, not {query.by!r}.", field="by")
    now = timezone.now()
    rows = [r for p in periods(query, now) for r in period_rows(p, query.by == "owner", now)]
    columns = [Column("group", "Campaign owner"), *COLUMNS] if query.by else COLUMNS
    notes = [
        "The scoreboard's figures: MQLs qualified in the period, dispositions in the period, "
        "and MQLs of the period that reached the opportunity stage after qualifying.",
        "Owner is the owner of the lead's campaign, as on the scoreboard.",
    ]
    chart = {"type": "bar", "x": "period", "series": "commitment", "y": ["value"]}
    return Table("quality", "Lead volume and quality", columns, rows, notes, chart)
