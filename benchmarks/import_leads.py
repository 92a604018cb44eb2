"""Import benchmark (not part of the test suite): a leads CSV through `truce import`, against
the database's own bulk load of the same rows.

    .venv/bin/python benchmarks/import_leads.py [--postgres] [--rows 1000000]

In a fresh database: a generated CSV of `--rows` leads (email, names, company and its web
domain, external id, source, campaign, creation time; a company per 8 leads, so dedupe has
work to do) is imported with `truce import leads FILE` in its own process, timed with its peak
memory. Then the floor: the same rows, as text, into a table of their own with one
`executemany` (SQLite) or `COPY` (PostgreSQL) in one transaction, as a DBA would load them.
Results print as Markdown.
"""

import argparse
import csv
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scratch import env_for, fresh_database

PG_DB = "truce_bench_import"
HEADER = ["Email", "First Name", "Last Name", "Company", "Website", "Lead ID", "Lead Source",
          "Campaign", "Created"]  # fmt: skip
SOURCES = ["paid_search", "organic_search", "social", "email", "referral", "events"]


def write_csv(path: Path, rows: int) -> None:
    rng = random.Random(1)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for n in range(rows):
            company = n // 8
            day, second = 1 + n % 28, n % 86400
            writer.writerow([
                f"person{n}@company{company}.example", f"First{n % 997}", f"Last{n % 991}",
                f"Company {company}", f"company{company}.example", f"L-{n}",
                rng.choice(SOURCES), f"Campaign {n % 40}",
                f"2026-{1 + n % 9:02d}-{day:02d} {second // 3600:02d}:{second // 60 % 60:02d}",
            ])  # fmt: skip


def timed_import(env: dict[str, str], path: Path, mapping: Path) -> tuple[float, float, str]:
    """Seconds, peak memory in MiB (of the import process), and its summary line."""
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "truce.cli", "import", "leads", str(path), "--mapping",
         str(mapping)],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    seconds = time.perf_counter() - began
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return seconds, peak_mib, done.stdout.splitlines()[0]


FLOOR = r"""
import csv, sys, time
import django
django.setup()
from django.db import connection, transaction
path, names = sys.argv[1], sys.argv[2].split(",")
columns = ", ".join(f'"{n}" text' for n in names)
with connection.cursor() as cursor:
    cursor.execute(f"CREATE TABLE bench_floor ({columns})")
began = time.perf_counter()
with open(path, newline="", encoding="utf-8") as handle, transaction.atomic():
    reader = csv.reader(handle)
    next(reader)
    quoted = ", ".join(f'"{n}"' for n in names)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor, cursor.cursor.copy(
            f"COPY bench_floor ({quoted}) FROM STDIN"
        ) as copy:
            for row in reader:
                copy.write_row(row)
    else:
        connection.ensure_connection()
        marks = ", ".join("?" * len(names))
        connection.connection.executemany(
            f"INSERT INTO bench_floor ({quoted}) VALUES ({marks})", reader
        )
print(round(time.perf_counter() - began, 2))
"""


def floor(env: dict[str, str], path: Path) -> float:
    names = ",".join(h.lower().replace(" ", "_") for h in HEADER)
    out = subprocess.run(
        [sys.executable, "-c", FLOOR, str(path), names],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return float(out.stdout.split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="truce-import-bench-"))
    path, mapping = work / "leads.csv", work / "mapping.json"
    write_csv(path, args.rows)
    mapping.write_text('{"options": {"create_missing": ["campaign"]}}', encoding="utf-8")
    database = PG_DB if args.postgres else None
    env = env_for(work, database)
    fresh_database(env, database)
    seconds, peak, summary = timed_import(env, path, mapping)
    floor_seconds = floor(env, path)
    db = "PostgreSQL" if args.postgres else "SQLite"
    size = path.stat().st_size / 2**20
    print(f"<!-- {summary} -->")
    print("| database | rows | file | import | rows/s | peak memory | bulk load (floor) | ratio |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    print(
        f"| {db} | {args.rows:,} | {size:.0f} MiB | {seconds:.1f} s | "
        f"{args.rows / seconds:,.0f} | {peak:.0f} MiB | {floor_seconds:.1f} s | "
        f"{seconds / floor_seconds:.1f}x |"
    )


if __name__ == "__main__":
    main()
