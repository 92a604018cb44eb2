"""Facts rebuild benchmark (not part of the test suite): `truce facts rebuild` over seeded data.

    .venv/bin/python benchmarks/facts_rebuild.py [--postgres] [--leads 1000000]

In a fresh database: `truce seed --leads N` (demo journeys with their ledger), then, each in
its own process, timed with its peak memory: `truce facts rebuild` (both tables from the
ledger), `truce facts rebuild --check` (a rebuild into temporary tables compared row by row
with the live ones), and the floor: the same ledger rows read in the same order and their
payloads parsed, with nothing reduced or written. Target: 1,000,000 leads under 5 minutes.
Results print as Markdown.
"""

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scratch import env_for, fresh_database

PG_DB = "truce_bench_facts"

FLOOR = r"""
import json, time
import django
django.setup()
from django.db import connection, transaction
from truce.insights.facts.history import _query
sql, params = _query(None, None)
began, events = time.perf_counter(), 0
with transaction.atomic():
    cursor = connection.chunked_cursor() if connection.vendor == "postgresql" else None
    with cursor or connection.cursor() as reader:
        reader.execute(sql, params)
        while rows := reader.fetchmany(5000):
            for row in rows:
                payload = row[5]
                if isinstance(payload, str):
                    json.loads(payload)
            events += len(rows)
print(events, round(time.perf_counter() - began, 2))
"""


# A truce command in a process of its own that reports its own peak memory (KiB) last.
MEASURED = r"""
import resource, sys
from truce.cli import main
try:
    main()
finally:
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def timed(env: dict[str, str], *args: str) -> tuple[float, float, str]:
    """Seconds, peak memory in MiB, and the last line the command printed."""
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", MEASURED, *args], env=env, capture_output=True, text=True,
        check=True,
    )  # fmt: skip
    seconds = time.perf_counter() - began
    *said, peak_kib = done.stdout.strip().splitlines()
    return seconds, int(peak_kib) / 1024, (said or [""])[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--leads", type=int, default=1_000_000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="truce-facts-bench-"))
    database = PG_DB if args.postgres else None
    env = env_for(work, database)
    fresh_database(env, database)
    seeded, _, _ = timed(env, "seed", "--leads", str(args.leads))
    rebuild, peak, said = timed(env, "facts", "rebuild")
    check, _, verdict = timed(env, "facts", "rebuild", "--check")
    floor = subprocess.run(
        [sys.executable, "-c", FLOOR], env=env, capture_output=True, text=True, check=True
    )
    events, floor_seconds = floor.stdout.split()
    db = "PostgreSQL" if args.postgres else "SQLite"
    print(f"<!-- seeded in {seeded:.0f} s; {said}; {verdict} -->")
    print("| database | leads | events read | rebuild | leads/s | peak memory | check | "
          "read floor | ratio |")  # fmt: skip
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    print(
        f"| {db} | {args.leads:,} | {int(events):,} | {rebuild:.1f} s | "
        f"{args.leads / rebuild:,.0f} | {peak:.0f} MiB | {check:.1f} s | "
        f"{float(floor_seconds):.1f} s | {rebuild / max(float(floor_seconds), 0.01):.1f}x |"
    )


if __name__ == "__main__":
    main()
