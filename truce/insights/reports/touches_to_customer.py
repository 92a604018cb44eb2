"""Touches to customer: how many interactions, and how many days from the first one, came
before a lead became a customer ("X interactions before becoming a customer"), as
histograms with nearest-rank median and 90th percentile, by source or campaign. Read from
the facts (touches_before_won, first_touch_at, won_at); see docs/explanation/attribution.md."""

from typing import Any

from django.db import connection

from truce.touches.models import Campaign

from ..attribution.options import refuse
from ..facts.source import FactsSource
from .base import Column, Query, Table, register
from .sql import moment, seconds_between

BY = {"source": "f.source", "campaign": "f.campaign_id", "product_line": "f.product_line"}
DAY = 86400
# (key, label, lowest, highest or None): touches before the win, both ends included.
TOUCH_BUCKETS = [
    ("touches_0", "No touch", 0, 0),
    ("touches_1", "1 touch", 1, 1),
    ("touches_2", "2 touches", 2, 2),
    ("touches_3_5", "3–5 touches", 3, 5),
    ("touches_6_10", "6–10 touches", 6, 10),
    ("touches_11_20", "11–20 touches", 11, 20),
    ("touches_21", "21+ touches", 21, None),
]
# (key, label, from day, to day or None): days from the first touch to the win, [from, to).
DAY_BUCKETS = [
    ("days_0", "Under 1 day", 0, 1),
    ("days_1_7", "1–7 days", 1, 7),
    ("days_7_30", "7–30 days", 7, 30),
    ("days_30_90", "30–90 days", 30, 90),
    ("days_90_180", "90–180 days", 90, 180),
    ("days_180", "180+ days", 180, None),
]
STATS = [
    Column("customers", "Customers", "int"),
    Column("touches_median", "Median touches", "int"),
    Column("touches_p90", "90th percentile touches", "int"),
    Column("days_median", "Median time from first touch", "duration"),
    Column("days_p90", "90th percentile time from first touch", "duration"),
    Column("no_first_touch", "No touch before the win", "int"),
]
ALL = "All customers"


@register("touches_to_customer")
def touches_to_customer(query: Query, source: FactsSource) -> Table:
    """Touches to customer: interactions and days from first touch before the win."""
    if query.by not in (None, "", *BY):
        raise refuse(f"This report groups by {', '.join(BY)}, not {query.by!r}.", "by")
    found = _figures(query, source)
    names = _names(query.by, [row["group"] for row in found])
    rows = [{**row, "group": names[row["group"]]} for row in found]
    rows.sort(key=lambda r: (-r["customers"], str(r["group"]).lower()))
    label = (query.by or "group").replace("_", " ").capitalize()
    buckets = [Column(k, lbl, "int") for k, lbl, *_ in [*TOUCH_BUCKETS, *DAY_BUCKETS]]
    return Table(
        name="touches_to_customer",
        title="Touches before becoming a customer",
        columns=[Column("group", label), *STATS, *buckets],
        rows=rows,
        notes=[
            "Customers won in the period; touches of both teams before the win.",
            "Days run from the lead's first touch to its win; a lead whose first touch came "
            "after the win (or never) counts under 'No touch before the win' instead.",
            "Medians and 90th percentiles are nearest-rank: values that occurred.",
        ],
        chart={"type": "bar", "x": "group", "y": [k for k, *_ in TOUCH_BUCKETS]},
    )


def _figures(query: Query, source: FactsSource) -> list[dict[str, Any]]:
    sql, params = _statement(query, source)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    keys = [c.key for c in STATS] + [k for k, *_ in [*TOUCH_BUCKETS, *DAY_BUCKETS]]
    return [{"group": row[0], **_numbers(keys, row[1:])} for row in found]


def _numbers(keys: list[str], values: tuple[Any, ...]) -> dict[str, int | None]:
    return {k: None if v is None else int(v) for k, v in zip(keys, values, strict=True)}


def _statement(query: Query, source: FactsSource) -> tuple[str, list[Any]]:
    where, params = ["f.outcome = 'won'", "f.won_at IS NOT NULL"], []
    if query.start is not None:
        where.append("f.won_at >= %s")
        params.append(moment(query.start))
    if query.end is not None:
        where.append("f.won_at < %s")
        params.append(moment(query.end))
    group = BY[query.by] if query.by else "''"
    seconds = seconds_between("f.first_touch_at", "f.won_at")
    sql = f"""
        WITH won AS (
            SELECT {group} AS g, f.touches_before_won AS touches,
                   CASE WHEN f.first_touch_at <= f.won_at THEN {seconds} END AS secs
            FROM {source.lead_table} f WHERE {" AND ".join(where)}
        ),
        ranked AS (
            SELECT g, touches, secs,
                   ROW_NUMBER() OVER (PARTITION BY g ORDER BY
                       CASE WHEN touches IS NULL THEN 1 ELSE 0 END, touches) AS t_rank,
                   COUNT(touches) OVER (PARTITION BY g) AS t_n,
                   ROW_NUMBER() OVER (PARTITION BY g ORDER BY
                       CASE WHEN secs IS NULL THEN 1 ELSE 0 END, secs) AS d_rank,
                   COUNT(secs) OVER (PARTITION BY g) AS d_n
            FROM won
        )
        SELECT g, COUNT(*),
               MAX(CASE WHEN t_rank = (t_n + 1) / 2 THEN touches END),
               MAX(CASE WHEN t_rank = (9 * t_n + 9) / 10 THEN touches END),
               MAX(CASE WHEN d_rank = (d_n + 1) / 2 THEN secs END),
               MAX(CASE WHEN d_rank = (9 * d_n + 9) / 10 THEN secs END),
               SUM(CASE WHEN secs IS NULL THEN 1 ELSE 0 END),
               {_bucket_sums()}
        FROM ranked GROUP BY g
    """
    return sql, params


def _bucket_sums() -> str:
    sums = []
    for _, _, low, high in TOUCH_BUCKETS:
        top = "" if high is None else f" AND touches <= {high}"
        sums.append(f"SUM(CASE WHEN touches >= {low}{top} THEN 1 ELSE 0 END)")
    for _, _, low, high in DAY_BUCKETS:
        bottom = "secs IS NOT NULL" if low == 0 else f"secs >= {low * DAY}"
        top = "" if high is None else f" AND secs < {high * DAY}"
        sums.append(f"SUM(CASE WHEN {bottom}{top} THEN 1 ELSE 0 END)")
    return ",\n               ".join(sums)


def _names(by: str | None, keys: list[Any]) -> dict[Any, str]:
    if not by:
        return {k: ALL for k in keys}
    names: dict[Any, str] = {}
    if by == "campaign":
        ids = [k for k in keys if k is not None]
        names = dict(Campaign.objects.filter(pk__in=ids).values_list("pk", "name"))
    return {k: names.get(k) or (str(k) if k not in (None, "") else "(none)") for k in keys}
