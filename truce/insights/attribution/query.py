"""Every converting lead's credits at once, as set-based SQL over the facts: the arithmetic of
weights.py and credit.py, with no window over a lead's touches except time decay's one
running sum.

The facts number each lead's marketing touches along its path (TouchFacts.position) and count
them up to each milestone (LeadFacts.marketing_by_*). The path up to the conversion is then
the positions up to a count, each milestone's touch is a count clamped to the path, and for
every model but time decay a touch's weight and the sum of the weights up to it (C) are
expressions of its position and its lead's row. Credits use cumulative rounding,
floor(U * C(i) / W) - floor(U * C(i-1) / W), in integers, so they equal the pure functions'
exactly; per lead they telescope to U."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection

from ..facts.source import Tables
from ..reports.sql import moment
from .values import Value
from .weights import POSITIONAL, SCALE_BITS, Positional

# The SQL of each milestone's 1-based position on the path (NULL when missing), per lead.
MARK_COLUMNS = {
    "first": "1",
    "last": "n",
    "lead_created": "m_created",
    "opportunity": "m_opportunity",
    "closed": "m_closed",
}


@dataclass(frozen=True)
class Ask:
    model: str
    value: Value
    half_life_days: float
    start: datetime | None = None
    end: datetime | None = None


@dataclass(frozen=True)
class Credit:
    campaign_id: int | None
    channel: str
    units: int
    touches: int  # touches that earned some of it


@dataclass(frozen=True)
class Credits:
    rows: list[Credit]
    total_units: int  # every converting lead's value, touched or not
    leads: int


def credits(ask: Ask, tables: Tables) -> Credits:
    sql, params = statement(ask, tables)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    rows = [Credit(c, ch or "", int(u), int(n)) for kind, c, ch, u, n in found if kind == 0]
    total, leads = next((u, n) for kind, _, _, u, n in found if kind == 1)
    return Credits(rows=rows, total_units=int(total or 0), leads=int(leads))


def epoch_seconds(column: str) -> str:
    """Whole seconds since 1970, the fraction dropped (weights.epoch_seconds). PostgreSQL's
    date_part is a double, exact to the microsecond for these times and far cheaper than
    EXTRACT's numeric."""
    if connection.vendor == "postgresql":
        return f"CAST(FLOOR(date_part('epoch', {column})) AS BIGINT)"
    return f"CAST(strftime('%%s', {column}) AS INTEGER)"


def greatest(*terms: str) -> str:
    if len(terms) == 1:
        return terms[0]
    name = "GREATEST" if connection.vendor == "postgresql" else "MAX"
    return f"{name}({', '.join(terms)})"


def least(a: str, b: str) -> str:
    return f"{'LEAST' if connection.vendor == 'postgresql' else 'MIN'}({a}, {b})"


def floor_share(units: str, upto: str, total: str) -> str:
    """floor(units * upto / total) for non-negative integers with upto <= total, computed as
    (units div total) * upto + (units mod total) * upto div total: no product outgrows
    total squared. `%%` is SQL's modulo, doubled for the drivers' parameter syntax."""
    whole = f"(({units}) / ({total})) * ({upto})"
    return f"({whole} + ((({units}) %% ({total})) * ({upto})) / ({total}))"


def statement(ask: Ask, tables: Tables) -> tuple[str, list[Any]]:
    conv, params = _converting(ask, tables.lead_table)
    steps, step_params = _model(ask, tables.touch_table)
    sql = f"""
        WITH conv AS ({conv}),
        {steps},
        credited AS (SELECT campaign_id, channel, {_credit(ask.model)} AS credit FROM route)
        SELECT 0, campaign_id, channel, SUM(credit), SUM(CASE WHEN credit > 0 THEN 1 ELSE 0 END)
        FROM credited GROUP BY campaign_id, channel
        UNION ALL
        SELECT 1, NULL, NULL, SUM(units), COUNT(*) FROM conv
    """
    return sql, [*params, *step_params]


def fence() -> str:
    """Keeps a subquery from being merged into the query reading it, so each of its columns
    is computed once per row rather than wherever the reader repeats it (both databases copy
    a merged subquery's expressions into the reader). Neither materialises it."""
    return "OFFSET 0" if connection.vendor == "postgresql" else "LIMIT -1 OFFSET 0"


def _converting(ask: Ask, lead_table: str) -> tuple[str, list[Any]]:
    """The leads whose conversion falls in [start, end), with their value in units and the
    length n of their path (the marketing touches up to the conversion; with the creation
    fallback, the first touch when none came by then)."""
    column = f"f.{ask.value.moment}"
    where, params = ["f.outcome = 'won'"] if ask.value.won_only else [], []
    if ask.start is not None:
        where.append(f"{column} >= %s")
        params.append(moment(ask.start))
    if ask.end is not None:
        where.append(f"{column} < %s")
        params.append(moment(ask.end))
    if ask.start is None and ask.end is None:
        # A bound implies the moment: saying it again only misleads PostgreSQL's estimates.
        where.append(f"{column} IS NOT NULL")
    count = _count(ask.value.moment)
    n = count
    if ask.value.creation_fallback:
        n = f"CASE WHEN {count} > 0 THEN {count} WHEN f.marketing_touch_count > 0 THEN 1 ELSE 0 END"
    sql = f"""
        SELECT f.lead_id, {ask.value.units} AS units, {n} AS n,
               f.marketing_by_created, f.opportunity_at, f.marketing_by_opportunity, f.won_at,
               f.marketing_by_won, {column} AS conv_at
        FROM {lead_table} f WHERE {" AND ".join(where)}
    """
    return sql, params


def _count(moment_column: str) -> str:
    """The facts column counting marketing touches up to a moment column (won_at…)."""
    return f"f.marketing_by_{moment_column.removesuffix('_at')}"


def _path(touch_table: str, positions: str = "t.position <= c.n") -> str:
    return f"FROM conv c JOIN {touch_table} t ON t.lead_id = c.lead_id AND {positions}"


def _model(ask: Ask, touch_table: str) -> tuple[str, list[Any]]:
    """The steps ending in `route`, one row per credited path touch with what its credit
    needs, and their parameters."""
    columns = "t.lead_id, t.position AS pos, t.campaign_id, t.channel, c.units"
    if ask.model == "first_touch":  # the first touch alone: read no other
        return f"route AS (SELECT {columns} {_path(touch_table, 't.position = 1 AND c.n > 0')})", []
    if ask.model == "last_touch":
        return f"route AS (SELECT {columns} {_path(touch_table, 't.position = c.n')})", []
    if ask.model == "linear":
        return f"""route AS (SELECT {columns}, t.position AS upto, t.position - 1 AS before,
                           c.n AS total {_path(touch_table)})""", []  # fmt: skip
    if ask.model == "time_decay":
        return _decayed(columns, touch_table), [float(ask.half_life_days) * 86400.0]
    return _positional(POSITIONAL[ask.model], touch_table), []


def _credit(model: str) -> str:
    """A `route` row's credit: all of it for first and last touch; else from the weights up
    to the touch (upto) and before it (before), of its lead's total, by cumulative rounding."""
    if model in ("first_touch", "last_touch"):
        return "units"
    return f"{floor_share('units', 'upto', 'total')} - {floor_share('units', 'before', 'total')}"


def _decayed(columns: str, touch_table: str) -> str:
    """The newest path touch weighs 2 ** SCALE_BITS (weights.decay_weights); the weights up to
    a touch are a running sum over its lead's path, the one window left."""
    sec = epoch_seconds("t.occurred_at")
    power = (
        "POWER(CAST(2 AS DOUBLE PRECISION), "
        f"CAST({SCALE_BITS} AS DOUBLE PRECISION) - (e.newest - {sec}) / %s)"
    )
    return f"""
        ends AS (
            SELECT c.lead_id, {epoch_seconds("z.occurred_at")} AS newest
            FROM conv c JOIN {touch_table} z ON z.lead_id = c.lead_id AND z.position = c.n
        ),
        decayed AS (
            SELECT {columns}, CAST(FLOOR({power}) AS BIGINT) AS w
            {_path(touch_table)} JOIN ends e ON e.lead_id = c.lead_id
            {fence()}
        ),
        summed AS (
            SELECT decayed.*,
                   CAST(SUM(w) OVER (PARTITION BY lead_id ORDER BY pos
                                     ROWS UNBOUNDED PRECEDING) AS BIGINT) AS upto,
                   CAST(SUM(w) OVER (PARTITION BY lead_id) AS BIGINT) AS total
            FROM decayed
        ),
        route AS (SELECT summed.*, upto - w AS before FROM summed)
    """


def _clamped(count: str, fallback: str) -> str:
    """The last touch up to a moment, on the path: the count of touches up to it, at most n."""
    return f"CASE WHEN {count} >= n THEN n WHEN {count} > 0 THEN {count} ELSE {fallback} END"


def _positional(spec: Positional, touch_table: str) -> str:
    """weights.positional_weights in closed form, so no window is needed.

    Per lead: the milestones' positions m_j with shares s_j (a milestone that did not happen
    by the conversion counts as position n + 1, past the path), the present shares S, the last
    milestone `top`, the k touches between (not milestones, before top), the scale (k when
    `between` b is spread and k > 0, else 1) and the total W = scale * S + b * k.

    Per touch at position p, the weights up to it: C(p) = min(b * p + K(p), W), where
    K(p) = sum over milestones at or before p of (scale * s_j - b * new_j), new_j being 1 for
    a milestone on a touch no earlier one took. (Up to top, the touches between each add b
    and every milestone scale * s_j; at top C = W, and no weight lies after it.)"""
    marks = [MARK_COLUMNS[name] for name, _ in spec.shares]
    shares = [per_mille for _, per_mille in spec.shares]
    b = spec.between
    present = " + ".join(f"CASE WHEN {m} IS NOT NULL THEN {s} ELSE 0 END"
                         for m, s in zip(marks, shares, strict=True))  # fmt: skip
    distinct = " + ".join(_new_mark(marks, j) for j in range(len(marks)))
    top = greatest(*(f"COALESCE({m}, 0)" for m in marks))
    named = [m for m in marks if m.startswith("m_")]
    per_mark = ", ".join(
        f"COALESCE({m}, n + 1) AS at{j}, scale * {s} - {b} * ({_new_mark(marks, j)}) AS kappa{j}"
        for j, (m, s) in enumerate(zip(marks, shares, strict=True))
    )

    def k_up_to(relation: str) -> str:
        return " + ".join(
            f"CASE WHEN c.at{j} {relation} t.position THEN c.kappa{j} ELSE 0 END"
            for j in range(len(marks))
        )

    return f"""
        placed AS (
            SELECT lead_id, units, n,
                   {_clamped("marketing_by_created", "1")} AS m_created,
                   CASE WHEN opportunity_at <= conv_at
                        THEN {_clamped("marketing_by_opportunity", "NULL")} END AS m_opportunity,
                   CASE WHEN won_at <= conv_at
                        THEN {_clamped("marketing_by_won", "NULL")} END AS m_closed
            FROM conv
        ),
        shaped AS (
            SELECT lead_id, units, n, {", ".join(named)},
                   {present} AS present, ({top}) - ({distinct}) AS k
            FROM placed
        ),
        scaled AS (
            SELECT shaped.*, CASE WHEN {b} > 0 AND k > 0 THEN k ELSE 1 END AS scale FROM shaped
        ),
        leads AS MATERIALIZED (
            SELECT lead_id, units, n, scale * present + {b} * k AS total, {per_mark}
            FROM scaled
        ),
        route AS (
            SELECT t.campaign_id, t.channel, c.units, c.total,
                   {least(f"{b} * t.position + {k_up_to('<=')}", "c.total")} AS upto,
                   {least(f"{b} * (t.position - 1) + {k_up_to('<')}", "c.total")} AS before
            FROM leads c JOIN {touch_table} t ON t.lead_id = c.lead_id AND t.position <= c.n
            {fence()}
        )
    """


def _new_mark(marks: list[str], j: int) -> str:
    """1 when the j-th milestone is present and on a touch no earlier milestone took."""
    others = " AND ".join(f"{marks[j]} <> COALESCE({m}, 0)" for m in marks[:j])
    return f"CASE WHEN {marks[j]} IS NOT NULL {'AND ' + others if others else ''} THEN 1 ELSE 0 END"
