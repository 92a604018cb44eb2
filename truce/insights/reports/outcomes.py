"""What became of leads: why deals were lost, why sales rejected leads, what recycled leads
did later, and whether marketing hears back at all (feedback and the black hole).
Definitions with formulas: docs/explanation/reports.md."""

from dataclasses import dataclass
from typing import Any

from truce.agreements.models import Clock
from truce.agreements.scoreboard.lists import black_hole_clocks
from truce.agreements.scoreboard.shapes import BLACK_HOLE_KINDS
from truce.funnel.models import Reason, Stage

from ..facts.source import FactsSource
from .base import Column, Query, Table, register
from .funnel import rate
from .grouping import group_column, labels
from .sql import fetch, within

MQL_STAGE = "mql"
NO_REASON = "(no reason)"


def _group_columns(query: Query) -> list[Column]:
    return [Column("group", query.by.replace("_", " ").capitalize())] if query.by else []


def _grouped(query: Query, source: FactsSource, allowed: tuple[str, ...], where: str) -> str:
    """The facts rows of interest with their group key `g`: a derived table to group on."""
    group = group_column(query.by, allowed)
    return f"SELECT {group} AS g, l.* FROM {source.lead_table} l WHERE {where}"


def reason_rows(query: Query, counts: list[tuple[Any, Any, int]]) -> list[dict[str, Any]]:
    """(group, reason id, leads) -> rows with each reason's share of its group, largest first."""
    groups = labels(query.by, [g for g, _, _ in counts])
    reasons = dict(Reason.objects.values_list("pk", "label"))
    totals: dict[Any, int] = {}
    for g, _, n in counts:
        totals[g] = totals.get(g, 0) + n
    rows: list[dict[str, Any]] = []
    for g, reason, n in counts:
        row = {"reason": reasons.get(reason, NO_REASON), "leads": n, "share": rate(n, totals[g])}
        rows.append({"group": groups[g], **row} if query.by else row)
    rows.sort(key=lambda r: (r.get("group", "").lower(), -r["leads"], r["reason"]))
    return rows


@dataclass(frozen=True)
class ReasonSpec:
    title: str
    by: tuple[str, ...]
    condition: str  # which facts rows count (trusted SQL)
    moment: str  # the column the window bounds
    reason: str  # the column holding the reason id


def reason_table(query: Query, source: FactsSource, name: str, spec: ReasonSpec) -> Table:
    where, params = within(f"l.{spec.moment}", query)
    derived = _grouped(query, source, spec.by, f"{spec.condition} AND {where}")
    sql = f"SELECT g, {spec.reason}, COUNT(*) FROM ({derived}) l GROUP BY g, {spec.reason}"
    counts = [(g, reason, int(n)) for g, reason, n in fetch(sql, params)]
    columns = [
        *_group_columns(query),
        Column("reason", "Reason"),
        Column("leads", "Leads", "int"),
        Column("share", "Share", "percent"),
    ]
    chart = {"type": "bar", "x": "reason", "y": ["leads"], "series": "group" if query.by else None}
    return Table(name, spec.title, columns, reason_rows(query, counts), chart=chart)


@register("lost_reasons")
def lost_reasons(query: Query, source: FactsSource) -> Table:
    """Lost reasons: why deals were lost, by stage, source, owner or product line."""
    spec = ReasonSpec(
        "Lost reasons",
        ("stage", "source", "owner", "product_line"),
        "l.outcome = 'lost'",
        "outcome_at",
        "outcome_reason_id",
    )
    table = reason_table(query, source, "lost_reasons", spec)
    table.notes.append("Leads lost in the window (by the time of the outcome).")
    return table


@register("rejections")
def rejections(query: Query, source: FactsSource) -> Table:
    """Rejections: why sales sent leads back to marketing, by campaign or source."""
    spec = ReasonSpec(
        "Rejection reasons",
        ("campaign", "source"),
        "l.disposition = 'rejected'",
        "disposition_at",
        "disposition_reason_id",
    )
    table = reason_table(query, source, "rejections", spec)
    table.notes.append("Leads rejected in the window (by the time of the disposition).")
    return table


BY = ("period", "source", "campaign", "product_line", "owner", "team")


@register("recycled")
def recycled(query: Query, source: FactsSource) -> Table:
    """Recycled leads: what became of leads sent back to nurture, by their outcome today."""
    where, params = within("l.recycled_at", query)
    derived = _grouped(query, source, BY, f"l.recycled_count > 0 AND {where}")
    sql = f"""
        SELECT g, l.outcome, COUNT(*),
               SUM(CASE WHEN EXISTS (
                   SELECT 1 FROM {source.stage_table} s
                   WHERE s.lead_id = l.lead_id AND s.stage_id = %s
                     AND s.entered_at > l.recycled_at
               ) THEN 1 ELSE 0 END)
        FROM ({derived}) l GROUP BY g, l.outcome
    """
    mql = Stage.objects.filter(key=MQL_STAGE).values_list("pk", flat=True).first()
    counts = fetch(sql, [mql, *params])
    groups = labels(query.by, [g for g, *_ in counts])
    totals: dict[Any, int] = {}
    for g, _, n, _ in counts:
        totals[g] = totals.get(g, 0) + int(n)
    rows: list[dict[str, Any]] = []
    for g, outcome, n, requalified in counts:
        row = {
            "outcome": outcome,
            "leads": int(n),
            "share": rate(int(n), totals[g]),
            "requalified": int(requalified),
        }
        rows.append({"group": groups[g], **row} if query.by else row)
    rows.sort(key=lambda r: (r.get("group", "").lower(), -r["leads"], r["outcome"]))
    columns = [
        *_group_columns(query),
        Column("outcome", "Outcome now"),
        Column("leads", "Leads", "int"),
        Column("share", "Share", "percent"),
        Column("requalified", "Back to MQL after recycling", "int"),
    ]
    notes = ["Leads recycled at least once, the last time in the window."]
    chart = {"type": "bar", "x": "outcome", "y": ["leads"], "series": "group" if query.by else None}
    return Table("recycled", "Recycled leads", columns, rows, notes, chart)


def black_hole_condition(source: FactsSource) -> tuple[str, list[Any]]:
    """The scoreboard's black hole as SQL over lead ids: breached disposition or first-touch
    clocks nothing has stopped, on open leads with an owner. As of a past moment, the same
    clocks as they stood then (breached by then, not stopped by then), with the lead's
    outcome and owner taken from the as-of facts."""
    if source.as_of is None:
        sql, params = black_hole_clocks().order_by().values("lead_id").query.sql_with_params()
        return f"l.lead_id IN ({sql})", list(params)
    clocks = (
        Clock.objects.order_by()
        .filter(commitment__kind__in=BLACK_HOLE_KINDS, breached_at__lte=source.as_of)
        .exclude(stopped_at__lte=source.as_of)
        .values("lead_id")
    )
    sql, params = clocks.query.sql_with_params()
    condition = f"l.lead_id IN ({sql}) AND l.outcome = 'open' AND l.owner_id IS NOT NULL"
    return condition, list(params)


@register("feedback")
def feedback(query: Query, source: FactsSource) -> Table:
    """Feedback: how many handed-over leads came back with a disposition and an outcome,
    and how many sit in the black hole."""
    where, params = within("l.qualified_at", query)
    derived = _grouped(query, source, BY, f"l.qualified_at IS NOT NULL AND {where}")
    hole, hole_params = black_hole_condition(source)
    sql = f"""
        SELECT g, COUNT(*),
               SUM(CASE WHEN l.disposition IN ('accepted', 'rejected') THEN 1 ELSE 0 END),
               SUM(CASE WHEN l.outcome <> 'open' THEN 1 ELSE 0 END),
               SUM(CASE WHEN {hole} THEN 1 ELSE 0 END)
        FROM ({derived}) l GROUP BY g
    """
    counts = fetch(sql, [*hole_params, *params]) or ([] if query.by else [("", 0, 0, 0, 0)])
    groups = labels(query.by, [g for g, *_ in counts])
    rows = [_feedback_row(query, groups[g], *map(int, figures)) for g, *figures in counts]
    rows.sort(key=lambda r: r.get("group", "").lower())
    notes = ["Leads handed over (qualified) in the window."]
    shares = ["disposition_share", "outcome_share", "black_hole_rate"]
    chart = {"type": "bar", "x": "group" if query.by else "handed_over", "y": shares}
    columns = [*_group_columns(query), *FEEDBACK_COLUMNS]
    return Table("feedback", "Feedback and the black hole", columns, rows, notes, chart)


FEEDBACK_COLUMNS = [
    Column("handed_over", "Handed over", "int"),
    Column("with_disposition", "With a disposition", "int"),
    Column("disposition_share", "Share with a disposition", "percent"),
    Column("with_outcome", "With an outcome", "int"),
    Column("outcome_share", "Share with an outcome", "percent"),
    Column("black_hole", "In the black hole", "int"),
    Column("black_hole_rate", "Black-hole rate", "percent"),
]


def _feedback_row(
    query: Query, group: str, handed: int, disposed: int, closed: int, hole: int
) -> dict[str, Any]:
    row = {
        "handed_over": handed,
        "with_disposition": disposed,
        "disposition_share": rate(disposed, handed),
        "with_outcome": closed,
        "outcome_share": rate(closed, handed),
        "black_hole": hole,
        "black_hole_rate": rate(hole, handed),
    }
    return {"group": group, **row} if query.by else row
