"""Temporary facts tables with the live tables' columns: for as-of and for checking a rebuild.

They live in the connection's temporary schema, so concurrent requests never see each
other's, and are dropped on exit (a crash drops them with the connection).
"""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

from ..models import LeadFacts, StageFacts, TouchFacts
from .source import Tables


def _create_like(name: str, live: str) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f'CREATE TEMPORARY TABLE "{name}" (LIKE "{live}" INCLUDING ALL)')
            return
        cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = %s", [live])
        ddl = cursor.fetchone()[0]
        body = ddl[ddl.index("(") :]  # the columns and constraints, exactly as the live table's
        cursor.execute(f'CREATE TEMPORARY TABLE "{name}" {body}')


def _drop(name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f'DROP TABLE IF EXISTS "{name}"')


@contextmanager
def scratch_tables(purpose: str) -> Iterator[Tables]:
    """Empty facts tables, named uniquely, dropped on exit. Use inside a transaction: on an
    error its rollback removes them (a failed transaction could not)."""
    tag = f"facts_{purpose}_{uuid.uuid4().hex[:12]}"
    tables = Tables(f"{tag}_lead", f"{tag}_stage", f"{tag}_touch")
    _create_like(tables.lead_table, LeadFacts._meta.db_table)
    _create_like(tables.stage_table, StageFacts._meta.db_table)
    _create_like(tables.touch_table, TouchFacts._meta.db_table)
    yield tables
    for name in (tables.lead_table, tables.stage_table, tables.touch_table):
        _drop(name)
