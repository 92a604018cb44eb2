"""Facts as of a past moment: the ledger replayed up to it into temporary tables.

"As of" means as recorded: events whose `recorded_at` is at or before the moment, whatever
their `occurred_at`. A touch entered today for last month was not known last month, so a
report as of last month must not count it; that is what makes an as-of report equal to the
one shown at that moment. The same reducer as the live upkeep and the rebuild fills them.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from django.db import transaction

from .services import build
from .source import FactsSource
from .tables import scratch_tables


@contextmanager
def build_as_of(moment: datetime) -> Iterator[FactsSource]:
    with transaction.atomic(), scratch_tables("asof") as tables:
        build(tables, until=moment)
        yield FactsSource(**vars(tables), as_of=moment)
