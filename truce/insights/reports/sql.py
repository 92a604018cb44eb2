"""Report SQL over a FactsSource, the same text on SQLite and PostgreSQL: the few places the
two differ (datetime parameters, seconds between two datetimes) are answered here."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import connection

from .base import Query


def fetch(sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return list(cursor.fetchall())


def moment(value: datetime) -> Any:
    """A datetime as the backend stores it (SQLite keeps naive UTC text), so comparisons in
    raw SQL agree with the ORM's."""
    return connection.ops.adapt_datetimefield_value(value)


def seconds_between(start: str, end: str) -> str:
    """Whole seconds from `start` to `end` (trusted column names), rounded to the nearest; an
    integer, which sorts faster than PostgreSQL's numeric or SQLite's real."""
    if connection.vendor == "postgresql":
        return f"CAST(ROUND(EXTRACT(EPOCH FROM ({end} - {start}))) AS BIGINT)"
    return f"CAST(ROUND((julianday({end}) - julianday({start})) * 86400.0) AS INTEGER)"


def within(column: str, query: Query) -> tuple[str, list[Any]]:
    """`column` inside the query's half-open [start, end) window, as SQL and its parameters."""
    clauses, params = ["1 = 1"], []
    if query.start is not None:
        clauses.append(f"{column} >= %s")
        params.append(moment(query.start))
    if query.end is not None:
        clauses.append(f"{column} < %s")
        params.append(moment(query.end))
    return " AND ".join(clauses), params
