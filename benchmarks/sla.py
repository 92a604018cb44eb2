"""SLA benchmarks (not part of the test suite): the clock sweep and the scoreboard.

    .venv/bin/python benchmarks/sla.py [--postgres] [--leads 100000] [--clocks 100000]

In a fresh database: `truce seed --leads N`, the demo agreement, then `--clocks` open clocks
(bulk-inserted, one per lead and time-bound commitment) of which `--due` percent are overdue.
Then, timed in one process: the sweep (breaching and escalating what is due, with its ledger
events and notification jobs) and the scoreboard for the current quarter (median and p95 of
20 runs). Results print as Markdown.
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

MEASURE = r"""
import statistics, sys, time
from datetime import timedelta
import django
django.setup()
from django.utils import timezone
from truce.agreements.models import Clock, ClockState, Commitment
from truce.agreements.scoreboard import parse_period, scoreboard
from truce.agreements.services import clocks
from truce.demo.agreement import install_demo_agreement
from truce.funnel.models import Lead

total, due_share = int(sys.argv[1]), float(sys.argv[2])
install_demo_agreement()
now = timezone.now()
commitments = list(Commitment.objects.filter(kind__in=clocks.TIME_BOUND))
per_lead = total // len(commitments) + 1
leads = list(Lead.objects.values_list("pk", "owner_id").order_by("pk")[:per_lead])
rows, overdue = [], int(total * due_share)
for index in range(total):
    lead_id, owner_id = leads[index // len(commitments)]
    commitment = commitments[index % len(commitments)]
    late = index < overdue
    due = now - timedelta(hours=1) if late else now + timedelta(days=3)
    rows.append(Clock(lead_id=lead_id, commitment=commitment, owner_id=owner_id,
                      started_at=now - timedelta(days=1), due_at=due,
                      escalate_at=due + timedelta(hours=4) if not late else due))
Clock.objects.bulk_create(rows, batch_size=2000)
running = Clock.objects.filter(state=ClockState.RUNNING).count()
began = time.perf_counter()
totals = clocks.sweep(now=now)
sweep_s = time.perf_counter() - began
period = parse_period(f"{now.year}-Q{(now.month - 1) // 3 + 1}")
samples = []
for _ in range(20):
    began = time.perf_counter()
    scoreboard(period=period, now=now)
    samples.append((time.perf_counter() - began) * 1000)
samples.sort()
print(running, totals["breached"], totals["escalated"], round(sweep_s, 2),
      round(statistics.median(samples), 1), round(samples[18], 1))
"""


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
    out = subprocess.run(
        [sys.executable, "-c", MEASURE, str(args.clocks), str(args.due / 100)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    running, breached, escalated, sweep_s, median_ms, p95_ms = out[-6:]
    db = "PostgreSQL" if args.postgres else "SQLite"
    return (
        f"| {db} | {int(args.leads):,} | {int(running):,} | {int(breached):,} | "
        f"{int(escalated):,} | {sweep_s} s | {median_ms} ms | {p95_ms} ms |"
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
        "(quarter) median | p95 |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    print(run(args))


if __name__ == "__main__":
    main()
