"""SLA benchmarks (not part of the test suite): the clock sweep and the scoreboard.

    .venv/bin/python benchmarks/sla.py [--postgres] [--leads 100000] [--clocks 100000]

In a fresh database: `truce seed --leads N`, the demo agreement, then `--clocks` open clocks
(bulk-inserted, one per lead and time-bound commitment) of which `--due` percent are overdue.
Then, timed in one process: the sweep (breaching and escalating what is due, with its ledger
events and notification jobs) and the scoreboard for the current quarter (median and p95 of
20 runs), interleaved with hand-written SQL computing the same figures and lists from the same
tables (checked equal to the scoreboard's first). Results print as Markdown.
"""

import argparse
import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_BENCH = "postgres://postgres@127.0.0.1:5432/truce_bench_sla"

MEASURE = Path(__file__).with_name("sla_measure.py")


def run(args: argparse.Namespace) -> str:
    work = Path(tempfile.mkdtemp(prefix="truce-sla-bench-"))
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
        for sql in ("DROP DATABASE IF EXISTS truce_bench_sla", "CREATE DATABASE truce_bench_sla"):
            psql = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql]
            subprocess.run(psql, check=True)
    subprocess.run([*truce, "migrate", "-v0"], env=env, check=True)
    subprocess.run(
        [*truce, "seed", "--leads", str(args.leads), "--seed", "1"],
        env=env,
        check=True,
        stderr=subprocess.DEVNULL,
    )
    measured = subprocess.run(
        [sys.executable, str(MEASURE), str(args.clocks), str(args.due / 100)],
        env=env,
        capture_output=True,
        text=True,
    )
    if measured.returncode:
        sys.exit(measured.stderr)
    out = measured.stdout.split()
    running, breached, escalated, sweep_s, median_ms, p95_ms, sql_median, sql_p95 = out[-8:]
    db = "PostgreSQL" if args.postgres else "SQLite"
    ratio = float(p95_ms) / float(sql_p95)
    return (
        f"| {db} | {int(args.leads):,} | {int(running):,} | {int(breached):,} | "
        f"{int(escalated):,} | {sweep_s} s | {median_ms} ms | {p95_ms} ms | "
        f"{sql_median} ms | {sql_p95} ms | {ratio:.2f}x |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--clocks", type=int, default=100_000)
    parser.add_argument("--due", type=float, default=10.0, help="percent of clocks overdue")
    args = parser.parse_args()
    print(
        "| database | leads | open clocks | breached | escalated | sweep | scoreboard "
        "(quarter) median | p95 | hand-written SQL median | p95 | p95 ratio |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    print(run(args))


if __name__ == "__main__":
    main()
