"""Import reading benchmark (not part of the test suite): rows per second through the readers.

    .venv/bin/python benchmarks/import_read.py [--rows 1000000] [--keep]

Writes a leads-like CSV (id, email, name, company, score, revenue, created, consent, tags;
about 100 bytes a row) in a temporary directory, then times, best of 3 each:
  1. the floor: `csv.reader` over the text stream (what the readers try to stay near);
  2. read: `open_source(...).rows()`, every row;
  3. read + coerce: the same with one coercer per column built once by `coercer_for`.
Results print as Markdown.
"""

import argparse
import csv
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django

django.setup()

from truce.transfer.imports.coercion import coercer_for  # noqa: E402
from truce.transfer.imports.reading import open_source  # noqa: E402

COLUMNS = {
    "id": ("integer", {}),
    "email": ("email", {}),
    "name": ("text", {"max_length": 200}),
    "company": ("text", {"max_length": 200}),
    "score": ("integer", {}),
    "revenue": ("money", {"decimal_separator": "."}),
    "created": ("datetime", {"format": "DD-MM-YYYY", "time_zone": "America/Sao_Paulo"}),
    "consent": ("boolean", {}),
    "tags": ("multi", {}),
}
TAGS = ["", "cat", "wolf", '"cat, wolf"', "eagle", "shark"]


def generate(path: Path, rows: int) -> None:
    pick = random.Random(1)
    with path.open("w", newline="") as out:
        out.write(",".join(COLUMNS) + "\n")
        for i in range(rows):
            day, month, hour = pick.randint(1, 28), pick.randint(1, 12), pick.randint(0, 23)
            out.write(
                f"{i},person{i}@Example.com,Person {i},Company {i % 9973},{pick.randint(0, 100)},"
                f"${pick.randint(0, 99999)}.{pick.randint(0, 99):02d},"
                f"{day:02d}-{month:02d}-2018 {hour:02d}:{pick.randint(0, 59):02d},"
                f"{pick.choice(['TRUE', 'FALSE', ''])},{pick.choice(TAGS)}\n"
            )


def floor(path: Path) -> int:
    with path.open(newline="") as text:
        return sum(1 for _ in csv.reader(text))


def read(path: Path) -> int:
    with open_source(path) as source:
        return sum(1 for _ in source.rows())


def read_and_coerce(path: Path) -> int:
    coercers = [coercer_for(kind, options) for kind, options in COLUMNS.values()]
    count = 0
    with open_source(path) as source:
        for row in source.rows():
            [coerce(cell) for coerce, cell in zip(coercers, row.cells, strict=True)]
            count += 1
    return count


def best_of(runs: int, measure, path: Path) -> tuple[float, int]:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        count = measure(path)
        timings.append(time.perf_counter() - started)
    return min(timings), count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the generated file")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="truce-import-bench-"))
    path = work / "leads.csv"
    generate(path, args.rows)
    size = path.stat().st_size / 1024 / 1024
    print(f"{args.rows:,} rows, {size:.0f} MiB, best of {args.runs}\n")
    print("| pass | seconds | rows/s |\n| --- | ---: | ---: |")
    for name, measure in [
        ("csv.reader (floor)", floor),
        ("read", read),
        ("read + coerce", read_and_coerce),
    ]:
        seconds, _count = best_of(args.runs, measure, path)
        print(f"| {name} | {seconds:.2f} | {args.rows / seconds:,.0f} |", flush=True)
    if not args.keep:
        path.unlink()
        work.rmdir()


if __name__ == "__main__":
    main()
