"""Rewriting anonymous rows so that storage order says nothing about who wrote what.

A database remembers more than the columns: SQLite numbers rows in insertion order (the hidden
rowid), and PostgreSQL keeps each row's physical place (ctid) and the id of the transaction that
wrote it (xmin), which an answer's row and its participation row would share. So each write of
anonymous rows ends by deleting every row of its batch (a round's answers and participations,
or a day's posts) and inserting them again in a random order — answers and participations with
new keys. Afterwards all rows of the batch carry one transaction id and a shuffled order.
What this cannot erase (write-ahead logs, backups, dead row versions before VACUUM) is listed in
docs/explanation/pulse-anonymity.md."""

import random
import uuid
import zlib
from typing import Any

from django.db import connection
from django.db.models import Model, QuerySet

_shuffle = random.SystemRandom().shuffle


def serialise(name: str) -> None:
    """Make writers of one batch take turns until the end of the transaction. SQLite already
    runs one writer at a time (IMMEDIATE transactions); PostgreSQL gets an advisory lock."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [zlib.crc32(name.encode())])


def _scrub_deleted_pages() -> None:
    # SQLite leaves deleted rows' bytes in free pages unless told to overwrite them.
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA secure_delete = ON")


def rewrite_shuffled(queryset: QuerySet[Any], *, new_keys: bool) -> int:
    """Delete the rows of `queryset` and insert them again in a random order. With new_keys,
    each gets a fresh random primary key (nothing may point at these rows)."""
    model: type[Model] = queryset.model
    rows = list(queryset.values(*[f.attname for f in model._meta.concrete_fields]))
    _shuffle(rows)
    if new_keys:
        for row in rows:
            row["id"] = uuid.uuid4()
    _scrub_deleted_pages()
    _delete(model, [row_id for row_id in queryset.values_list("pk", flat=True)])
    model._default_manager.bulk_create([model(**row) for row in rows], batch_size=200)
    return len(rows)


def _delete(model: type[Model], keys: list[Any]) -> None:
    """A plain DELETE: rows that others point at (a post's replies) come back with the same key
    in the same transaction, and foreign keys are checked at commit."""
    table = connection.ops.quote_name(model._meta.db_table)
    column = connection.ops.quote_name(model._meta.pk.column or "id")
    with connection.cursor() as cursor:
        for start in range(0, len(keys), 200):
            chunk = keys[start : start + 200]
            values = [model._meta.pk.get_db_prep_value(k, connection) for k in chunk]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"DELETE FROM {table} WHERE {column} IN ({marks})", values)
