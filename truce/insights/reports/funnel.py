"""The funnel: per main-path stage, how many leads reached it, the conversion from the stage
before and from the first stage (strict order and any order), and the time spent in it
(median and 90th percentile of completed stays); side outcomes below. Definitions with
formulas: docs/explanation/reports.md."""

from collections import defaultdict
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from truce.funnel.models import Stage

from ..facts.history import moment as moment_of
from ..facts.reducer import MASKED_STAGES, stage_bit
from ..facts.source import FactsSource
from .base import Column, Query, Table, register
from .grouping import group_column, labels
from .sql import fetch, within

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


Reach = dict[tuple[Any, int], tuple[int, int, int]]
# (group, stages_reached, outcome, recycled_count, leads): the leads created in the window,
# counted per group and per everything else the funnel asks of a lead.
LeadGroups = list[tuple[Any, int, str, int, int]]


def lead_groups(query: Query, source: FactsSource) -> LeadGroups:
    """One pass over the leads. Ungrouped, it walks the (stages_reached, outcome,
    recycled_count, created_at) index in order, so the database neither reads the table nor
    sorts."""
    group = group_column(query.by, BY)
    where, params = within("l.created_at", query)
    sql = f"""
        SELECT {group} AS g, l.stages_reached, l.outcome, l.recycled_count, COUNT(*)
        FROM {source.lead_table} l WHERE {where}
        GROUP BY {"1, " if query.by else ""}2, 3, 4
    """
    return [(g, int(mask), outcome, int(recycled), int(n))
            for g, mask, outcome, recycled, n in fetch(sql, params)]  # fmt: skip


def reach_counts(
    query: Query, source: FactsSource, stages: list[Stage], groups: LeadGroups
) -> Reach:
    """{(group, rank): (reached, strict, furthest)}. A lead reached rank k strictly when it
    reached every rank from 1 to k; `furthest` counts leads whose highest rank is k.

    From the leads counted per set of stages reached (their `stages_reached` bits), the ranks
    worked out here per set. Stage ids beyond the mask fall back to counting from the stays."""
    if any(stage.pk > MASKED_STAGES for stage in stages):
        return reach_from_stays(query, source, stages)
    bits = [stage_bit(stage.pk) for stage in stages]
    counts: defaultdict[tuple[Any, int], list[int]] = defaultdict(lambda: [0, 0, 0])
    for g, mask, _, _, n in groups:
        ranks = [rank for rank, bit in enumerate(bits, 1) if mask & bit]
        for seq, rank in enumerate(ranks, 1):
            count = counts[(g, rank)]
            count[0] += n
            count[1] += n if seq == rank else 0
        if ranks:
            counts[(g, ranks[-1])][2] += n
    return {key: (n, strict, top) for key, (n, strict, top) in counts.items()}


def reach_from_stays(query: Query, source: FactsSource, stages: list[Stage]) -> Reach:
    """reach_counts from the stays themselves: a lead's distinct ranks in order are numbered
    1, 2, …; the number equals the rank exactly when every earlier stage was reached too."""
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


Speed = dict[tuple[Any, int], tuple[int, int, int]]


def velocity(query: Query, source: FactsSource, stage_ids: list[int]) -> Speed:
    """{(group, stage id): (completed stays, median seconds, p90 seconds)}, nearest rank: the
    p-th percentile of n sorted stays is the one at rank ceil(p * n / 100)."""
    if query.by:
        return velocity_by_group(query, source)
    if not stage_ids:
        return {}
    where, params = within("s.lead_created_at", query)
    completed = f"s.stage_id = %s AND s.seconds IS NOT NULL AND {where}"
    # Each count is a range of the (stage, seconds, created) index; each percentile the row
    # at offset k - 1 along it, walked from the nearer end. One statement each.
    counts = [f"(SELECT COUNT(*) FROM {source.stage_table} s WHERE {completed})"] * len(stage_ids)
    sizes = fetch(f"SELECT {', '.join(counts)}", [p for pk in stage_ids for p in (pk, *params)])[0]
    picks, pick_params, found = [], [], {}
    for stage_id, n in zip(stage_ids, sizes, strict=True):
        if not n:
            continue
        found[stage_id] = int(n)
        for k in ((n + 1) // 2, (9 * n + 9) // 10):
            order, skip = ("ASC", k - 1) if k - 1 <= n - k else ("DESC", n - k)
            picks.append(
                f"(SELECT s.seconds FROM {source.stage_table} s WHERE {completed}"
                f" ORDER BY s.seconds {order} LIMIT 1 OFFSET %s)"
            )
            pick_params += [stage_id, *params, skip]
    if not found:
        return {}
    ranked = fetch(f"SELECT {', '.join(picks)}", pick_params)[0]
    return {
        ("", stage_id): (n, int(ranked[2 * i]), int(ranked[2 * i + 1]))
        for i, (stage_id, n) in enumerate(found.items())
    }


def velocity_by_group(query: Query, source: FactsSource) -> Speed:
    """velocity per group: both windows share one ordering, so the database sorts the stays
    once."""
    group = group_column(query.by, BY)
    where, params = within("l.created_at", query)
    sql = f"""
        WITH stays AS (
            SELECT {group} AS g, s.stage_id, s.seconds AS d
            FROM {source.stage_table} s
            JOIN {source.lead_table} l ON l.lead_id = s.lead_id
            WHERE s.seconds IS NOT NULL AND {where}
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


def narrowed(query: Query, source: FactsSource) -> Query:
    """The window without the bounds that leave out no lead: the same leads and stays, found
    without testing creation times (the percentiles then walk their index reading nothing
    else, and a grouped count scans the table rather than probing it lead by lead)."""
    if query.start is None and query.end is None:
        return query
    first, last = fetch(
        f"SELECT (SELECT MIN(created_at) FROM {source.lead_table}),"
        f" (SELECT MAX(created_at) FROM {source.lead_table})"
    )[0]
    if first is None:
        return query
    first, last = (moment_of(value) for value in (first, last))
    start = None if query.start is not None and query.start <= first else query.start
    end = None if query.end is not None and query.end > last else query.end
    return replace(query, start=start, end=end)


def side_counts(groups: LeadGroups) -> dict[Any, dict[str, int]]:
    """{group: {outcome: leads}} for all leads, the side outcomes, and leads ever recycled."""
    outcomes = {key for key, _ in SIDE_OUTCOMES}
    sides: dict[Any, dict[str, int]] = {}
    for g, _, outcome, recycled, n in groups:
        side = sides.setdefault(g, {"leads": 0, **dict.fromkeys(outcomes, 0), "recycled": 0})
        side["leads"] += n
        if outcome in outcomes:
            side[outcome] += n
        side["recycled"] += n if recycled > 0 else 0  # ever recycled, whatever it is now
    return sides


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
    query = narrowed(query, source)
    counted = lead_groups(query, source)
    reach = reach_counts(query, source, stages, counted) if stages else {}
    speed = velocity(query, source, [stage.pk for stage in stages])
    side = side_counts(counted)
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
