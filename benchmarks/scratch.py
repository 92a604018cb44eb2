"""A scratch Truce for a benchmark: the environment for its `truce` processes (a data
directory of its own, a throwaway key) and a freshly migrated database, SQLite by default or
a PostgreSQL database of the given name, dropped and created again."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def postgres_url(name: str) -> str:
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def env_for(work: Path, pg_db: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRUCE_")}
    env.update(
        TRUCE_DATA_DIR=str(work),
        TRUCE_SECRET_KEY=secrets.token_urlsafe(50),
        DATABASE_URL=postgres_url(pg_db) if pg_db else "",
        DJANGO_SETTINGS_MODULE="truce.settings",
        PYTHONPATH=str(ROOT),
    )
    return env


def fresh_database(env: dict[str, str], pg_db: str | None) -> None:
    if pg_db:
        for sql in (f"DROP DATABASE IF EXISTS {pg_db}", f"CREATE DATABASE {pg_db}"):
            subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=True)
    subprocess.run([sys.executable, "-m", "truce.cli", "migrate", "-v0"], env=env, check=True)
