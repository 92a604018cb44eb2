"""The shape every report shares, so one CLI, one API and one page template serve them all."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from truce.insights.facts.source import FactsSource


@dataclass(frozen=True)
class Query:
    """What a report is asked for. `by` groups rows (period, source, campaign, product_line,
    owner, team…); `start`/`end` bound the period (half-open); `as_of` asks for the report as it
    stood at that moment, computed from the ledger; `options` carry report-specific choices
    (for attribution: model, half_life_days, value)."""

    by: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    as_of: datetime | None = None
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "text"  # text | int | decimal | percent | duration (seconds)


@dataclass(frozen=True)
class Table:
    """A report's result: the same rows feed the page's chart, its table and the CSV/JSON."""

    name: str
    title: str
    columns: list[Column]
    rows: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)
    chart: dict[str, Any] | None = None  # what the page draws: {"type", "x", "y": [...]}


Report = Callable[[Query, FactsSource], Table]
REPORTS: dict[str, Report] = {}


def register(name: str) -> Callable[[Report], Report]:
    def wrap(report: Report) -> Report:
        REPORTS[name] = report
        return report

    return wrap
