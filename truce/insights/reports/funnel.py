"""The funnel: per main-path stage, how many leads reached it, the conversion from the stage
before and from the first stage (strict order and any order), and the time spent in it
(median and 90th percentile of completed stays); side outcomes below. Definitions with
formulas: docs/explanation/reports.md."""

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from truce.funnel.models import Stage

from ..facts.source import FactsSource
from .base import Column, Query, Table, register
from .grouping import group_column, labels
from .sql import fetch, seconds_between, within

BY = ("period", "source", "campaign", "product_line", "owner", "team")
TENTH = Decimal("0.1")
SIDE_OUTCOMES = (("lost", "Lost"), ("disqualified", "Disqualified"))


def rate(numerator: int, denominator: int) -> Decimal | None:
    """A percentage to a tenth; None when there is nothing to divide by (not 0 %)."""
    if not denominator:
        return None
    return (Decimal(100 * numerator) / denominator).quantize(TENTH, ROUND_HALF_UP)


def _ranks(stages: list[Stage]) -> tuple[str, str, list[int]]:
    """The main path's rank of a stay's stage (1-based, by position) as a CASE expression, and
    the filter to main-path stages: a join to a list of ranks would have the planner probe
    every lead once per stage."""
    whens = " ".join("WHEN %s THEN %s" for _ in stages)
    rank = f"CASE s.stage_id {whens} END"
    members = f"s.stage_id IN ({', '.join('%s' for _ in stages)})"
    params = [n for rank, stage in enumerate(stages, 1) for n in (stage.pk, rank)]
    return rank, members, params


def reach_counts(
    query: Query, source: FactsSource, stages: list[Stage]
) -> dict[tuple[Any, int], tuple[int, int, int]]:
    """{(group, rank): (reached, strict, furthest)}. A lead's distinct ranks in order are
    numbered 1, 2, …: the number equals the rank exactly when every earlier stage was
    reached too (strict order). `furthest` counts leads whose last rank this is."""
    group = group_column(query.by, BY)
    where, params = within("l.created_at", query)
    rank, members, rank_params = _ranks(stages)
    sql = f"""
        WITH reached AS (
            SELECT DISTINCT s.lead_id, {rank} AS rnk, {group} AS g
            FROM {source.stage_table} s
            JOIN {source.lead_table} l ON l.lead_id = s.lead_id
            WHERE {members} AND {where}
        ),
        ordered AS (
            SELECT g, rnk,
                   ROW_NUMBER() OVER (PARTITION BY lead_id ORDER BY rnk) AS seq,
                   MAX(rnk) OVER (PARTITION BY lead_id) AS top
            FROM reached
        )
        SELECT g, rnk, COUNT(*),
               SUM(CASE WHEN seq = rnk THEN 1 ELSE 0 END),
               SUM(CASE WHEN rnk = top THEN 1 ELSE 0 END)
        FROM ordered GROUP BY g, rnk
    """
    rows = fetch(sql, [*rank_params, *(s.pk for s in stages), *params])
    return {(g, rnk): (int(n), int(strict), int(top)) for g, rnk, n, strict, top in rows}


def velocity(query: Query, source: FactsSource) -> dict[tuple[Any, int], tuple[int, int, int]]:
    """{(group, stage id): (completed stays, median seconds, p90 seconds)}, nearest rank: the
    p-th percentile of n sorted stays is the one at rank ceil(p * n / 100). Both windows
    share one ordering, so the database sorts the stays once."""
    group = group_column(query.by, BY)
    where, params = within("l.created_at", query)
    duration = seconds_between("s.entered_at", "s.exited_at")
    sql = f"""
        WITH stays AS (
            SELECT {group} AS g, s.stage_id, {duration} AS d
            FROM {source.stage_table} s
            JOIN {source.lead_table} l ON l.lead_id = s.lead_id
            WHERE s.exited_at IS NOT NULL AND {where}
        ),
        ranked AS (
            SELECT g, stage_id, d,
                   ROW_NUMBER() OVER (PARTITION BY g, stage_id ORDER BY d) AS rn,
                   COUNT(*) OVER (
                       PARTITION BY g, stage_id ORDER BY d
                       ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
                   ) AS n
            FROM stays
        )
        SELECT g, stage_id, MAX(n),
               MAX(CASE WHEN rn = (n + 1) / 2 THEN d END),
               MAX(CASE WHEN rn = (9 * n + 9) / 10 THEN d END)
        FROM ranked GROUP BY g, stage_id
    """
    rows = fetch(sql, params)
    return {(g, sid): (int(n), int(med), int(p90)) for g, sid, n, med, p90 in rows}


def side_counts(query: Query, source: FactsSource) -> dict[Any, dict[str, int]]:
    """{group: {outcome: leads}} for the side outcomes, and leads ever recycled."""
    group = group_column(query.by, BY)
    where, params = within("l.created_at", query)
    sums = ", ".join(
        f"SUM(CASE WHEN l.outcome = '{key}' THEN 1 ELSE 0 END)" for key, _ in SIDE_OUTCOMES
    )
    sql = f"""
        SELECT g, COUNT(*), {sums}, SUM(CASE WHEN l.recycled_count > 0 THEN 1 ELSE 0 END)
        FROM (SELECT {group} AS g, l.* FROM {source.lead_table} l WHERE {where}) l
        GROUP BY g
    """
    keys = ["leads", *(k for k, _ in SIDE_OUTCOMES), "recycled"]
    return {row[0]: dict(zip(keys, map(int, row[1:]), strict=True)) for row in fetch(sql, params)}


COLUMNS = [
    Column("path", "Path"),
    Column("stage", "Stage"),
    Column("reached", "Reached", "int"),
    Column("strict", "Reached in order", "int"),
    Column("strict_step", "Step conversion (in order)", "percent"),
    Column("strict_cumulative", "Cumulative (in order)", "percent"),
    Column("any_order", "Reached or passed", "int"),
    Column("any_step", "Step conversion (any order)", "percent"),
    Column("any_cumulative", "Cumulative (any order)", "percent"),
    Column("stays", "Completed stays", "int"),
    Column("median_seconds", "Median time in stage", "duration"),
    Column("p90_seconds", "90th percentile time in stage", "duration"),
]


def main_rows(
    stages: list[Stage], g: Any, reach: dict[Any, tuple[int, int, int]], speed: dict[Any, Any]
) -> list[dict[str, Any]]:
    """One group's main path; `any order` at a stage counts the leads whose furthest stage is
    this one or a later one."""
    counts = [reach.get((g, rank), (0, 0, 0)) for rank in range(1, len(stages) + 1)]
    any_order = [sum(c[2] for c in counts[i:]) for i in range(len(counts))]
    rows = []
    for i, stage in enumerate(stages):
        reached, strict, _ = counts[i]
        stays, median, p90 = speed.get((g, stage.pk), (0, None, None))
        rows.append(
            {
                "path": "main",
                "stage": stage.name,
                "reached": reached,
                "strict": strict,
                "strict_step": rate(strict, counts[i - 1][1]) if i else None,
                "strict_cumulative": rate(strict, counts[0][1]),
                "any_order": any_order[i],
                "any_step": rate(any_order[i], any_order[i - 1]) if i else None,
                "any_cumulative": rate(any_order[i], any_order[0]),
                "stays": stays,
                "median_seconds": median,
                "p90_seconds": p90,
            }
        )
    return rows


def side_rows(side: dict[str, int]) -> list[dict[str, Any]]:
    outcomes = [*SIDE_OUTCOMES, ("recycled", "Recycled (ever)")]
    return [
        {"path": "side", "stage": label, "reached": side.get(key, 0)} for key, label in outcomes
    ]


def chart(by: str | None) -> dict[str, Any]:
    if by == "period":
        where = {"path": "main"}
        return {
            "type": "line",
            "x": "group",
            "series": "stage",
            "y": ["any_cumulative"],
            "where": where,
        }
    if by:
        return {
            "type": "bar",
            "x": "stage",
            "series": "group",
            "y": ["reached"],
            "where": {"path": "main"},
        }
    return {
        "type": "bar",
        "x": "stage",
        "y": ["reached", "strict", "any_order"],
        "where": {"path": "main"},
    }


@register("funnel")
def funnel(query: Query, source: FactsSource) -> Table:
    """Funnel: reached, conversion (in order and any order) and time in each stage."""
    stages = list(Stage.objects.filter(is_active=True).order_by("position"))
    reach = reach_counts(query, source, stages) if stages else {}
    speed = velocity(query, source)
    side = side_counts(query, source)
    groups = {g for g, _ in reach} | set(side) if query.by else {""}
    names = labels(query.by, groups)
    rows = []
    for g in sorted(groups, key=lambda k: names[k].lower()):
        for row in [*main_rows(stages, g, reach, speed), *side_rows(side.get(g, {}))]:
            rows.append({"group": names[g], **row} if query.by else row)
    columns = (
        [Column("group", query.by.replace("_", " ").capitalize()), *COLUMNS]
        if query.by
        else COLUMNS
    )
    return Table(
        name="funnel",
        title="Funnel",
        columns=columns,
        rows=rows,
        notes=[
            "Leads created in the window; a lead reached a stage if it stayed in it at least once.",
            "Times in stage are completed stays, nearest-rank percentiles.",
        ],
        chart=chart(query.by),
    )
