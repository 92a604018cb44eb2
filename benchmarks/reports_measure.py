"""The timed part of benchmarks/reports.py, in a fresh process against the migrated database.

python benchmarks/reports_measure.py LEADS RUNS   (prints Markdown rows)
"""

import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import django

django.setup()

from django.db import connection, transaction  # noqa: E402

from truce.funnel.models import Reason, Stage  # noqa: E402
from truce.insights.facts.source import LIVE  # noqa: E402
from truce.insights.reports.base import Query  # noqa: E402
from truce.insights.reports.funnel import funnel  # noqa: E402
from truce.insights.reports.outcomes import lost_reasons  # noqa: E402
from truce.insights.reports.sql import moment, seconds_between  # noqa: E402

START = datetime(2025, 1, 1, tzinfo=UTC)
WINDOW = Query(start=START, end=START + timedelta(days=365))
BATCH = 5000


def seed(leads: int) -> None:
    """Each lead walks the path from the lead stage for 1 to 8 stages; a tenth are lost."""
    rng = random.Random(1)
    stages = list(
        Stage.objects.filter(is_active=True).order_by("position").values_list("pk", flat=True)
    )
    reasons = list(Reason.objects.filter(kind="lost").values_list("pk", flat=True))
    lead_rows: list[tuple[Any, ...]] = []
    stay_rows: list[tuple[Any, ...]] = []
    for lead_id in range(1, leads + 1):
        created = START + timedelta(minutes=rng.randrange(525_600))
        lost = rng.random() < 0.1
        lead_rows.append(
            (
                lead_id,
                moment(created),
                created.strftime("%Y-%m"),
                rng.choice("abcdefgh"),
                "lost" if lost else "open",
                rng.choice(reasons) if lost else None,
                rng.choice(stages) if lost else None,
                moment(created + timedelta(days=30)) if lost else None,
            )
        )
        at = created
        for stage in stages[1 : 1 + rng.randint(1, 8)]:
            leave = at + timedelta(hours=rng.randint(1, 500))
            stay_rows.append((lead_id, stage, 1, moment(at), moment(leave)))
            at = leave
        if len(lead_rows) >= BATCH:
            write(lead_rows, stay_rows)
            lead_rows, stay_rows = [], []
    write(lead_rows, stay_rows)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


@transaction.atomic
def write(lead_rows: list[tuple[Any, ...]], stay_rows: list[tuple[Any, ...]]) -> None:
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO insights_leadfacts (lead_id, created_at, cohort, source, outcome,"
            " outcome_reason_id, outcome_stage_id, outcome_at, team, product_line, disposition,"
            " recycled_count, reopened_count, touch_count, marketing_touch_count,"
            " sales_touch_count, touch_kinds, last_seq)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, '', '', '', 0, 0, 0, 0, 0, '{}', 0)",
            lead_rows,
        )
        cursor.executemany(
            "INSERT INTO insights_stagefacts (lead_id, stage_id, visit, entered_at, exited_at)"
            " VALUES (%s, %s, %s, %s, %s)",
            stay_rows,
        )


def hand_funnel() -> list[tuple[Any, ...]]:
    """Reached, strict and any-order counts per rank from each lead's bit mask of ranks, and
    the nearest-rank median and p90 per stage: the same figures, written by hand."""
    stages = list(
        Stage.objects.filter(is_active=True).order_by("position").values_list("pk", flat=True)
    )
    values = ", ".join(f"({pk}, {2**i})" for i, pk in enumerate(stages))
    sums = ", ".join(
        f"SUM(CASE WHEN (m / {2**i}) %% 2 = 1 THEN 1 ELSE 0 END),"
        f" SUM(CASE WHEN m %% {2 ** (i + 1)} = {2 ** (i + 1) - 1} THEN 1 ELSE 0 END),"
        f" SUM(CASE WHEN m >= {2**i} THEN 1 ELSE 0 END)"
        for i in range(len(stages))
    )
    d = seconds_between("s.entered_at", "s.exited_at")
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH bits(stage_id, bit) AS (VALUES {values}),"
            " masks AS (SELECT s.lead_id, SUM(DISTINCT b.bit) AS m FROM insights_stagefacts s"
            " JOIN bits b ON b.stage_id = s.stage_id JOIN insights_leadfacts l"
            " ON l.lead_id = s.lead_id WHERE l.created_at >= %s AND l.created_at < %s"
            f" GROUP BY s.lead_id) SELECT {sums} FROM masks",
            [moment(WINDOW.start), moment(WINDOW.end)],
        )
        counts = cursor.fetchone()
        cursor.execute(
            f"SELECT stage_id, MAX(n), MAX(CASE WHEN rn = (n + 1) / 2 THEN d END),"
            " MAX(CASE WHEN rn = (9 * n + 9) / 10 THEN d END) FROM (SELECT s.stage_id,"
            f" {d} AS d, ROW_NUMBER() OVER (PARTITION BY s.stage_id ORDER BY {d}) AS rn,"
            " COUNT(*) OVER (PARTITION BY s.stage_id) AS n FROM insights_stagefacts s"
            " JOIN insights_leadfacts l ON l.lead_id = s.lead_id WHERE s.exited_at IS NOT NULL"
            " AND l.created_at >= %s AND l.created_at < %s) t GROUP BY stage_id",
            [moment(WINDOW.start), moment(WINDOW.end)],
        )
        speed = {row[0]: tuple(int(x) for x in row[1:]) for row in cursor.fetchall()}
    triples = [tuple(int(x) for x in counts[i : i + 3]) for i in range(0, len(counts), 3)]
    return [(*t, *speed.get(pk, (0, None, None))) for t, pk in zip(triples, stages, strict=True)]


def report_funnel() -> list[tuple[Any, ...]]:
    rows = [r for r in funnel(WINDOW, LIVE).rows if r["path"] == "main"]
    keys = ("reached", "strict", "any_order", "stays", "median_seconds", "p90_seconds")
    return [tuple(r[k] for k in keys) for r in rows]


def hand_lost() -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT outcome_reason_id, COUNT(*) FROM insights_leadfacts WHERE outcome = 'lost'"
            " AND outcome_at >= %s AND outcome_at < %s GROUP BY outcome_reason_id",
            [moment(WINDOW.start), moment(WINDOW.end + timedelta(days=60))],
        )
        return sorted(n for _, n in cursor.fetchall())


def report_lost() -> list[Any]:
    window = Query(start=WINDOW.start, end=WINDOW.end + timedelta(days=60), by="stage")
    rows = lost_reasons(window, LIVE).rows
    by_reason: dict[str, int] = {}
    for r in rows:
        by_reason[r["reason"]] = by_reason.get(r["reason"], 0) + r["leads"]
    return sorted(by_reason.values())


def timed(run: Callable[[], Any]) -> float:
    began = time.perf_counter()
    run()
    return (time.perf_counter() - began) * 1000


def compare(name: str, report: Callable[[], Any], hand: Callable[[], Any], runs: int) -> str:
    if report() != hand():
        sys.exit(f"{name}: the report and the hand-written SQL disagree")
    ours, theirs = [], []
    for _ in range(runs):
        ours.append(timed(report))
        theirs.append(timed(hand))
    mine, base = statistics.median(ours), statistics.median(theirs)
    return (
        f"| {connection.vendor} | {name} | {mine:.0f} ms | {max(ours):.0f} ms | "
        f"{base:.0f} ms | {max(theirs):.0f} ms | {mine / base:.2f}x |"
    )


def main() -> None:
    leads, runs = int(sys.argv[1]), int(sys.argv[2])
    began = time.perf_counter()
    seed(leads)
    print(f"{leads:,} leads seeded into the facts in {time.perf_counter() - began:.0f} s\n")
    print("| database | report | median | max | hand-written median | max | ratio |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    print(compare("funnel", report_funnel, hand_funnel, runs))
    print(compare("lost reasons by stage", report_lost, hand_lost, runs))


if __name__ == "__main__":
    main()
