"""Where a report reads its facts: the live tables, or tables built from the ledger as of a
past moment. Reports are SQL over `source.lead_table`, `source.stage_table` and
`source.touch_table`, so the same query answers both "now" and "as of"."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Tables:
    """The three facts tables: leads, their stays, their marketing paths."""

    lead_table: str
    stage_table: str
    touch_table: str


@dataclass(frozen=True)
class FactsSource(Tables):
    as_of: datetime | None = None


LIVE = FactsSource("insights_leadfacts", "insights_stagefacts", "insights_touchfacts")


@contextmanager
def facts_as_of(moment: datetime) -> Iterator[FactsSource]:
    """Facts as the ledger told them at `moment` (events recorded up to then), in temporary
    tables with the live tables' columns, dropped on exit."""
    from .asof import build_as_of  # the rebuild's reducer, replayed up to `moment`

    with build_as_of(moment) as source:
        yield source
