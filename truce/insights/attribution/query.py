"""Every converting lead's credits at once, as set-based SQL over a facts table and the
touches: the arithmetic of weights.py and credit.py, one window pass per step.

Positions come from ROW_NUMBER over a lead's marketing touches ordered by time then id, the
milestones from counts of touches up to each moment (the path is a prefix of that order), so
each positional weight is an expression; time decay normalises with a SUM over the lead. The
split into units and its largest-remainder rounding are integer arithmetic done per lead, so
the totals equal the pure functions' exactly."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection

from truce.identity.models import TeamKey

from ..reports.sql import moment
from .values import Value
from .weights import POSITIONAL, SCALE_BITS, Positional

# The SQL name of each milestone's 1-based position (NULL when missing) in the `marks` step.
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
    as_of: datetime | None = None  # only touches recorded by then


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


def credits(ask: Ask, lead_table: str) -> Credits:
    sql, params = statement(ask, lead_table)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    rows = [Credit(c, ch or "", int(u), int(n)) for kind, c, ch, u, n in found if kind == 0]
    total, leads = next((u, n) for kind, _, _, u, n in found if kind == 1)
    return Credits(rows=rows, total_units=int(total or 0), leads=int(leads))


def epoch_seconds(column: str) -> str:
    """Whole seconds since 1970, the fraction dropped (weights.epoch_seconds)."""
    if connection.vendor == "postgresql":
        return f"CAST(FLOOR(EXTRACT(EPOCH FROM {column})) AS BIGINT)"
    return f"CAST(strftime('%%s', {column}) AS INTEGER)"


def fence() -> str:
    """PostgreSQL would inline each step into the next, copying the long weight expressions
    into every place they are used (planning and evaluating them many times over); computing
    a step once where it is used several times is cheaper. SQLite evaluates each once."""
    return "MATERIALIZED " if connection.vendor == "postgresql" else ""


def greatest(*terms: str) -> str:
    if len(terms) == 1:
        return terms[0]
    name = "GREATEST" if connection.vendor == "postgresql" else "MAX"
    return f"{name}({', '.join(terms)})"


def statement(ask: Ask, lead_table: str) -> tuple[str, list[Any]]:
    conv, params = _converting(ask, lead_table)
    touched, touched_params = _touched(ask)
    credited, credited_params = _credited(ask)
    sql = f"""
        WITH conv AS ({conv}),
        touched AS ({touched}),
        route AS ({_route(ask.value)}),
        {credited}
        SELECT 0, campaign_id, channel, SUM(credit), SUM(CASE WHEN credit > 0 THEN 1 ELSE 0 END)
        FROM credited GROUP BY campaign_id, channel
        UNION ALL
        SELECT 1, NULL, NULL, SUM(units), COUNT(*) FROM conv
    """
    return sql, [*params, *touched_params, *credited_params]


# `%%` is SQL's modulo operator, doubled for the drivers' parameter syntax.
# First touch, last touch and linear need no remainders: the value goes whole to one touch,
# or `units div n` to each and the `units mod n` left one each to the earliest touches.
EXACT = {
    "first_touch": "CASE WHEN pos = 1 THEN units ELSE 0 END",
    "last_touch": "CASE WHEN pos = n THEN units ELSE 0 END",
    "linear": "units / n + CASE WHEN pos <= units %% n THEN 1 ELSE 0 END",
}
COLUMNS = "lead_id, campaign_id, channel, units, pos"


def _credited(ask: Ask) -> tuple[str, list[Any]]:
    """`credited AS (…)` with the steps it needs: each path touch's credit in units."""
    if ask.model in EXACT:
        credit = EXACT[ask.model]
        return f"credited AS (SELECT campaign_id, channel, {credit} AS credit FROM route)", []
    if ask.model == "time_decay":
        weighted, params = _decayed(), [float(ask.half_life_days) * 86400.0]
    else:
        weighted, params = _positional(POSITIONAL[ask.model]), []
    return f"{weighted}, {SPLIT}", params


# Largest remainder, per lead, in integer arithmetic (credit.split): `weighted` gives each
# touch's weight w and its lead's sum of weights `total`.
SPLIT = """
    split AS (
        SELECT lead_id, campaign_id, channel, units, pos,
               (units / total) * w + ((units %% total) * w) / total AS base,
               ((units %% total) * w) %% total AS remainder
        FROM weighted
    ),
    ranked AS (
        SELECT campaign_id, channel, base,
               units - CAST(SUM(base) OVER (PARTITION BY lead_id) AS BIGINT) AS spare,
               ROW_NUMBER() OVER (PARTITION BY lead_id ORDER BY remainder DESC, pos) AS turn
        FROM split
    ),
    credited AS (
        SELECT campaign_id, channel, base + CASE WHEN turn <= spare THEN 1 ELSE 0 END AS credit
        FROM ranked
    )
"""


def _converting(ask: Ask, lead_table: str) -> tuple[str, list[Any]]:
    """The leads whose conversion falls in [start, end), with their value in units."""
    column = f"f.{ask.value.moment}"
    where, params = [f"{column} IS NOT NULL"], []
    if ask.value.won_only:
        where.append("f.outcome = 'won'")
    if ask.start is not None:
        where.append(f"{column} >= %s")
        params.append(moment(ask.start))
    if ask.end is not None:
        where.append(f"{column} < %s")
        params.append(moment(ask.end))
    sql = f"""
        SELECT f.lead_id, f.created_at, f.opportunity_at, f.won_at, {column} AS conv_at,
               {ask.value.units} AS units
        FROM {lead_table} f WHERE {" AND ".join(where)}
    """
    return sql, params


def _touched(ask: Ask) -> tuple[str, list[Any]]:
    """Each marketing touch of a converting lead with its position and what its model needs:
    the counts of the lead's touches up to the conversion, the creation, the opportunity and
    the win (those two only if they happened by the conversion); for time decay the seconds
    of the touch and of the path's newest touch."""
    # The whole-lead sums share the positions' window (and so its one sort).
    recorded, params = "", []
    if ask.as_of is not None:
        recorded = "AND t.created_at <= %s"
        params.append(moment(ask.as_of))
    if not ask.value.creation_fallback:
        # Only the path can earn credit: the later touches need not be read, ordered or
        # counted (without the fallback, a lead with none up to the conversion earns none).
        recorded += " AND t.occurred_at <= c.conv_at"
    sql = f"""
        SELECT t.lead_id, t.campaign_id, t.channel, c.units,
               ROW_NUMBER() OVER ordered AS pos,
               SUM(CASE WHEN t.occurred_at <= c.conv_at THEN 1 ELSE 0 END) OVER lead AS n_conv
               {_model_columns(ask.model)}
        FROM conv c JOIN touches_touch t ON t.lead_id = c.lead_id
        WHERE t.team = '{TeamKey.MARKETING.value}' {recorded}
        WINDOW ordered AS (PARTITION BY t.lead_id ORDER BY t.occurred_at, t.id),
               lead AS (ordered ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
    """
    return sql, params


def _model_columns(model: str) -> str:
    if model == "time_decay":
        sec = epoch_seconds("t.occurred_at")
        # Without a touch up to the conversion the path is the first touch (leads value).
        newest = (
            f"COALESCE(MAX(CASE WHEN t.occurred_at <= c.conv_at THEN {sec} END) OVER lead, "
            f"MIN({sec}) OVER lead)"
        )
        return f", {sec} AS sec, {newest} AS newest"
    if model in POSITIONAL and model not in EXACT:
        return """,
               SUM(CASE WHEN t.occurred_at <= c.created_at THEN 1 ELSE 0 END)
                   OVER lead AS n_created,
               SUM(CASE WHEN c.opportunity_at <= c.conv_at AND t.occurred_at <= c.opportunity_at
                   THEN 1 ELSE 0 END) OVER lead AS n_opportunity,
               SUM(CASE WHEN c.won_at <= c.conv_at AND t.occurred_at <= c.won_at
                   THEN 1 ELSE 0 END) OVER lead AS n_closed"""
    return ""


def _route(value: Value) -> str:
    """The path: the touches up to the conversion (n of them), a prefix of the order."""
    cut = "CASE WHEN n_conv > 0 THEN n_conv ELSE 1 END" if value.creation_fallback else "n_conv"
    return f"SELECT touched.*, {cut} AS n FROM touched WHERE pos <= {cut}"


def _decayed() -> str:
    """The newest path touch weighs 2 ** SCALE_BITS (weights.decay_weights)."""
    age = "(newest - sec) / %s"
    power = f"POWER(CAST(2 AS DOUBLE PRECISION), CAST({SCALE_BITS} AS DOUBLE PRECISION) - {age})"
    return f"""
        decayed AS (
            SELECT {COLUMNS}, CAST(FLOOR({power}) AS BIGINT) AS w FROM route
        ),
        weighted AS (
            SELECT decayed.*, CAST(SUM(w) OVER (PARTITION BY lead_id) AS BIGINT) AS total
            FROM decayed
        )
    """


def _clamped(count: str, fallback: str) -> str:
    """The last touch up to a moment, on the path: the count of touches up to it, at most n."""
    return f"CASE WHEN {count} >= n THEN n WHEN {count} > 0 THEN {count} ELSE {fallback} END"


def _positional(spec: Positional) -> str:
    """weights.positional_weights as expressions; the sum of a lead's weights is known per
    row too: the present shares S, times k when k touches lie between (plus k × between)."""
    marks = [MARK_COLUMNS[name] for name, _ in spec.shares]
    pairs = list(zip(marks, (per_mille for _, per_mille in spec.shares), strict=True))
    share = " + ".join(f"CASE WHEN pos = {m} THEN {s} ELSE 0 END" for m, s in pairs)
    present = " + ".join(f"CASE WHEN {m} IS NOT NULL THEN {s} ELSE 0 END" for m, s in pairs)
    distinct = " + ".join(_new_mark(marks, j) for j in range(len(marks)))
    top = greatest(*(f"COALESCE({m}, 0)" for m in marks))
    b = spec.between
    return f"""
        marks AS (
            SELECT {COLUMNS}, n,
                   {_clamped("n_created", "1")} AS m_created,
                   {_clamped("n_opportunity", "NULL")} AS m_opportunity,
                   {_clamped("n_closed", "NULL")} AS m_closed
            FROM route
        ),
        shaped AS (
            SELECT {COLUMNS}, {share} AS share, {present} AS present, {top} AS top,
                   ({top}) - ({distinct}) AS between_count
            FROM marks
        ),
        weighted AS {fence()}(
            SELECT {COLUMNS},
                   share * CASE WHEN {b} > 0 AND between_count > 0 THEN between_count ELSE 1 END
                   + CASE WHEN share = 0 AND pos < top THEN {b} ELSE 0 END AS w,
                   CASE WHEN {b} > 0 AND between_count > 0 THEN between_count * (present + {b})
                        ELSE present END AS total
            FROM shaped
        )
    """


def _new_mark(marks: list[str], j: int) -> str:
    """1 when the j-th milestone is present and on a touch no earlier milestone took."""
    others = " AND ".join(f"{marks[j]} <> COALESCE({m}, 0)" for m in marks[:j])
    return f"CASE WHEN {marks[j]} IS NOT NULL {'AND ' + others if others else ''} THEN 1 ELSE 0 END"
