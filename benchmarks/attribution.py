"""Attribution benchmark (not part of the test suite): each model against hand-written SQL.

    .venv/bin/python benchmarks/attribution.py [--postgres] [--leads 100000]

In a fresh database: `truce seed --leads N`, then the per-lead facts (`truce facts rebuild`
when that command exists; otherwise the few columns attribution reads, copied from the leads
and their stage visits). Then, in one process (benchmarks/attribution_measure.py), for won
revenue over the whole window: every model's report query, interleaved with hand-written SQL
over the same tables (first touch, last touch and linear with float shares and no exact
rounding, the straightforward way), median of 5 runs each. Results print as Markdown.
"""

import argparse
import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_BENCH = "postgres://postgres@127.0.0.1:5432/truce_bench_attribution"
MEASURE = Path(__file__).with_name("attribution_measure.py")


def prepare(args: argparse.Namespace) -> dict[str, str]:
    work = Path(tempfile.mkdtemp(prefix="truce-attribution-bench-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRUCE_")}
    env.update(
        TRUCE_DATA_DIR=str(work),
        TRUCE_SECRET_KEY=secrets.token_urlsafe(50),
        DATABASE_URL=PG_BENCH if args.postgres else "",
        DJANGO_SETTINGS_MODULE="truce.settings",
        PYTHONPATH=str(ROOT),
        TRUCE_EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
    )
    truce = [sys.executable, "-m", "truce.cli"]
    if args.postgres:
        name = PG_BENCH.rsplit("/", 1)[1]
        for sql in (f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}"):
            subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=True)
    subprocess.run([*truce, "migrate", "-v0"], env=env, check=True)
    seed = [*truce, "seed", "--leads", str(args.leads), "--seed", "1"]
    subprocess.run(seed, env=env, check=True, stderr=subprocess.DEVNULL)
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--leads", type=int, default=100_000)
    args = parser.parse_args()
    env = prepare(args)
    measured = subprocess.run(
        [sys.executable, str(MEASURE)], env=env, capture_output=True, text=True
    )
    if measured.returncode:
        sys.exit(measured.stderr)
    db = "PostgreSQL" if args.postgres else "SQLite"
    print(f"{db}, {args.leads:,} leads\n")
    print(measured.stdout)


if __name__ == "__main__":
    main()
