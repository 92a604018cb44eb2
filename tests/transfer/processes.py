"""`truce` processes on a database of their own: an SQLite file, or a fresh PostgreSQL
database, so nothing shares the test database's transaction."""

import os
import sqlite3
import sys
import uuid

import psycopg
import pytest
from django.conf import settings

POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


@pytest.fixture
def own_database(tmp_path):
    """(env for `truce` processes, a function running one SQL query against their database)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "truce.settings",
        "TRUCE_DEBUG": "true",
        "TRUCE_DATA_DIR": str(tmp_path / "data"),
    }
    if not POSTGRES:
        env["DATABASE_URL"] = ""
        path = tmp_path / "data" / "truce.sqlite3"

        def query(sql: str) -> list[tuple]:
            with sqlite3.connect(path) as db:
                return db.execute(sql).fetchall()

        yield env, query
        return
    db = settings.DATABASES["default"]
    name = f"truce_own_{uuid.uuid4().hex[:8]}"
    admin = f"host={db['HOST']} port={db['PORT']} user={db['USER']} dbname=postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{name}"

    def query(sql: str) -> list[tuple]:
        with psycopg.connect(admin.replace("dbname=postgres", f"dbname={name}")) as conn:
            return conn.execute(sql).fetchall()

    yield env, query
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def truce(*args: str) -> list[str]:
    return [sys.executable, "-m", "truce.cli", *args]
