"""Facts fixtures: reading the facts tables as plain rows, and times in the past."""

from datetime import UTC, datetime, timedelta

import pytest

from truce.insights.models import LeadFacts, StageFacts

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
HOUR, DAY = timedelta(hours=1), timedelta(days=1)
LEAD_FIELDS = [f.attname for f in LeadFacts._meta.concrete_fields]
STAGE_FIELDS = ["lead_id", "stage_id", "visit", "entered_at", "exited_at"]


def _read(table: str, fields: list[str], order: str) -> list[dict]:
    """Rows of any facts table (live or temporary) through Django's field converters."""
    model = LeadFacts if fields is LEAD_FIELDS else StageFacts
    names = ", ".join(f'"{f}"' for f in {model._meta.pk.attname, *fields})
    rows = model.objects.raw(f'SELECT {names} FROM "{table}" ORDER BY {order}')
    return [{name: getattr(row, name) for name in fields} for row in rows]


@pytest.fixture
def facts_rows():
    """{"lead": [...], "stage": [...]}: every column of every row of a pair of facts tables."""

    def read(lead_table: str = "insights_leadfacts", stage_table: str = "insights_stagefacts"):
        return {
            "lead": _read(lead_table, LEAD_FIELDS, "lead_id"),
            "stage": _read(stage_table, STAGE_FIELDS, "lead_id, stage_id, visit"),
        }

    return read
