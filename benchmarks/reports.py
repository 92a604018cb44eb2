"""Report benchmarks (not part of the test suite): the funnel, lost-reasons and attribution
reports against hand-written SQL computing the same figures from the same tables.

    .venv/bin/python benchmarks/reports.py [--postgres] [--leads 1000000] [--touches 10] [--runs 5]

In a fresh database (migrated): N synthetic leads written straight into the facts tables
(about three stays each along the default funnel, about 6 % won, a tenth of the rest lost with
a reason) and about `--touches` touches per lead into the touches table (the marketing ones
also numbered along their leads' paths, as the facts keep them), then each report and
its hand-written twin timed interleaved (median and max of `--runs`), after checking they
agree. The hand-written funnel counts a different way (a bit mask of the stages each lead
reached) so the check is independent. Results print as Markdown.
"""

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from scratch import env_for, fresh_database

PG_DB = "truce_bench_reports"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--touches", type=int, default=10, help="touches per lead, on average")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    pg_db = PG_DB if args.postgres else None
    env = env_for(Path(tempfile.mkdtemp(prefix="truce-reports-bench-")), pg_db)
    fresh_database(env, pg_db)
    measure = [sys.executable, str(Path(__file__).with_name("reports_measure.py"))]
    subprocess.run(
        [*measure, str(args.leads), str(args.touches), str(args.runs)], env=env, check=True
    )


if __name__ == "__main__":
    main()
