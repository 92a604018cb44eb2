"""Report benchmarks (not part of the test suite): the funnel and lost-reasons reports against
hand-written SQL computing the same figures from the same facts tables.

    .venv/bin/python benchmarks/reports.py [--postgres] [--leads 100000] [--runs 9]

In a fresh database (migrated): N synthetic leads written straight into the facts tables
(about four stays each along the default funnel, a tenth lost with a reason), then each
report and its hand-written twin timed interleaved (median and max of `--runs`), after
checking they agree. The hand-written funnel counts a different way (a bit mask of the stages
each lead reached) so the check is independent. Results print as Markdown.
"""

import argparse
import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_BENCH = "postgres://postgres@127.0.0.1:5432/truce_bench_reports"


def environment(postgres: bool) -> dict[str, str]:
    work = Path(tempfile.mkdtemp(prefix="truce-reports-bench-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRUCE_")}
    env.update(
        TRUCE_DATA_DIR=str(work),
        TRUCE_SECRET_KEY=secrets.token_urlsafe(50),
        DATABASE_URL=PG_BENCH if postgres else "",
        DJANGO_SETTINGS_MODULE="truce.settings",
        PYTHONPATH=str(ROOT),
    )
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    env = environment(args.postgres)
    if args.postgres:
        for sql in (
            "DROP DATABASE IF EXISTS truce_bench_reports",
            "CREATE DATABASE truce_bench_reports",
        ):
            subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=True)
    subprocess.run([sys.executable, "-m", "truce.cli", "migrate", "-v0"], env=env, check=True)
    measure = [sys.executable, str(Path(__file__).with_name("reports_measure.py"))]
    subprocess.run([*measure, str(args.leads), str(args.runs)], env=env, check=True)


if __name__ == "__main__":
    main()
