"""The timed part of benchmarks/sla.py, run in a fresh process against the seeded database:
insert the open clocks, sweep, then time the scoreboard interleaved with hand-written SQL that
computes the same figures and lists from the same tables.

    python benchmarks/sla_measure.py CLOCKS DUE_SHARE   (prints one line of numbers;
    CLOCKS 0 times a database prepared by an earlier run again)
"""

import statistics
import sys
import time
from datetime import datetime, timedelta
from typing import Any

import django

django.setup()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from truce.agreements.models import Clock, ClockState, Commitment  # noqa: E402
from truce.agreements.scoreboard import (  # noqa: E402
    BoardPeriod,
    Scoreboard,
    agreement_for,
    board_data,
    parse_period,
    scoreboard,
)
from truce.agreements.services import clocks  # noqa: E402
from truce.demo.agreement import install_demo_agreement  # noqa: E402
from truce.funnel.models import Lead  # noqa: E402

TIME_BOUND = ("first_touch", "touches", "disposition", "outcome")


def open_clocks(total: int, due_share: float, now: datetime) -> int:
    """One clock per lead and time-bound commitment; the first `due_share` of them overdue."""
    commitments = list(Commitment.objects.filter(kind__in=clocks.TIME_BOUND))
    per_lead = total // len(commitments) + 1
    leads = list(Lead.objects.values_list("pk", "owner_id").order_by("pk")[:per_lead])
    rows, overdue = [], int(total * due_share)
    for index in range(total):
        lead_id, owner_id = leads[index // len(commitments)]
        late = index < overdue
        due = now - timedelta(hours=1) if late else now + timedelta(days=3)
        rows.append(
            Clock(
                lead_id=lead_id,
                commitment=commitments[index % len(commitments)],
                owner_id=owner_id,
                started_at=now - timedelta(days=1),
                due_at=due,
                escalate_at=due if late else due + timedelta(hours=4),
            )
        )
    Clock.objects.bulk_create(rows, batch_size=2000)
    return Clock.objects.filter(state=ClockState.RUNNING).count()


def hand_written(period: BoardPeriod, kinds: dict[str, int]) -> list[tuple[str, list[Any]]]:
    """The scoreboard's figures and lists as a person would write them in SQL."""
    time_bound = [kinds[k] for k in TIME_BOUND if k in kinds]
    marks = ", ".join(["%s"] * len(time_bound))
    # Bound as the ORM binds them (SQLite keeps datetimes as text in that form).
    window = [connection.ops.adapt_datetimefield_value(t) for t in (period.start, period.end)]
    black_hole = """FROM agreements_clock k JOIN agreements_commitment m ON m.id = k.commitment_id
        JOIN funnel_lead l ON l.id = k.lead_id
        WHERE k.state = 'breached' AND k.stopped_at IS NULL
        AND m.kind IN ('disposition', 'first_touch')
        AND l.outcome = 'open' AND l.owner_id IS NOT NULL"""
    return [
        (
            f"""SELECT commitment_id, owner_id, COUNT(*) FILTER (WHERE state = 'met'), COUNT(*)
            FROM agreements_clock WHERE due_at >= %s AND due_at < %s
            AND state IN ('met', 'breached') AND commitment_id IN ({marks}) GROUP BY 1, 2""",
            [*window, *time_bound],
        ),
        (
            """SELECT c.owner_id, COUNT(*), COUNT(*) FILTER (WHERE EXISTS (SELECT 1
            FROM funnel_stagevisit v WHERE v.lead_id = l.id AND v.entered_at >= l.qualified_at
            AND v.stage_id = (SELECT id FROM funnel_stage WHERE key = 'presenting')))
            FROM funnel_lead l LEFT JOIN touches_campaign c ON c.id = l.campaign_id
            WHERE l.qualified_at >= %s AND l.qualified_at < %s GROUP BY 1""",
            window,
        ),
        (
            """SELECT c.owner_id, COUNT(*), COUNT(*) FILTER (WHERE l.disposition = 'accepted')
            FROM funnel_lead l LEFT JOIN touches_campaign c ON c.id = l.campaign_id
            WHERE l.disposition_at >= %s AND l.disposition_at < %s
            AND l.disposition IN ('accepted', 'rejected') GROUP BY 1""",
            window,
        ),
        (
            """SELECT owner_id, COUNT(*) FROM touches_campaign
            WHERE starts_on >= %s AND starts_on < %s GROUP BY 1""",
            [period.start.date(), period.end.date()],
        ),
        (f"SELECT COUNT(DISTINCT k.lead_id) {black_hole}", []),
        (
            f"""SELECT k.lead_id, k.due_at, m.kind, p.first_name, p.last_name, u.username
            {
                black_hole.replace(
                    "WHERE",
                    "JOIN people_contact p ON p.id = l.contact_id "
                    "JOIN identity_user u ON u.id = l.owner_id WHERE",
                )
            }
            ORDER BY k.due_at, k.id LIMIT 100""",
            [],
        ),
        (
            "SELECT COUNT(*) FROM agreements_clock WHERE breached_at >= %s AND breached_at < %s",
            window,
        ),
        (
            """SELECT k.id, k.lead_id, k.breached_at, m.kind, p.first_name, u.username
            FROM agreements_clock k JOIN agreements_commitment m ON m.id = k.commitment_id
            JOIN funnel_lead l ON l.id = k.lead_id JOIN people_contact p ON p.id = l.contact_id
            LEFT JOIN identity_user u ON u.id = k.owner_id
            WHERE k.breached_at >= %s AND k.breached_at < %s
            ORDER BY k.breached_at DESC, k.id DESC LIMIT 50""",
            window,
        ),
    ]


def run_all(queries: list[tuple[str, list[Any]]]) -> list[list[tuple[Any, ...]]]:
    with connection.cursor() as cursor:
        results = []
        for sql, params in queries:
            cursor.execute(sql, params)
            results.append(cursor.fetchall())
        return results


def board_totals(board: Scoreboard) -> tuple[dict[str, tuple[int, int | None]], int, int]:
    figures = {
        c["kind"]: (c["actual"]["numerator"], c["actual"]["denominator"])
        for team in board_data(board)["teams"]
        for c in team["commitments"]
    }
    return figures, board.black_hole_count, board.breach_count


def hand_totals(
    results: list[list[tuple[Any, ...]]], kinds: dict[str, int]
) -> tuple[dict[str, tuple[int, int | None]], int, int]:
    by_clock, mqls, disposed, campaigns, hole, _, breaches, _ = results
    figures: dict[str, tuple[int, int | None]] = {
        kind: (
            sum(r[2] for r in by_clock if r[0] == kinds[kind]),
            sum(r[3] for r in by_clock if r[0] == kinds[kind]),
        )
        for kind in TIME_BOUND
        if kind in kinds
    }
    figures["mql_volume"] = (sum(r[1] for r in mqls), None)
    figures["opportunity_rate"] = (sum(r[2] for r in mqls), sum(r[1] for r in mqls))
    figures["acceptance_rate"] = (sum(r[2] for r in disposed), sum(r[1] for r in disposed))
    figures["campaign_count"] = (sum(r[1] for r in campaigns), None)
    return {k: v for k, v in figures.items() if k in kinds}, hole[0][0], breaches[0][0]


def main() -> None:
    total, due_share = int(sys.argv[1]), float(sys.argv[2])
    running = 0
    if total:  # 0: time an already prepared database again
        install_demo_agreement()
    now = timezone.now()  # after the agreement came into force, or none is in force "now"
    if total:
        running = open_clocks(total, due_share, now)
    began = time.perf_counter()
    swept = clocks.sweep(now=now)
    sweep_s = time.perf_counter() - began

    period = parse_period(f"{now.year}-Q{(now.month - 1) // 3 + 1}")
    agreement = agreement_for(period, now)
    assert agreement is not None
    kinds = {c.kind: c.pk for c in agreement.commitments.all()}
    queries = hand_written(period, kinds)
    ours = board_totals(scoreboard(period=period, now=now))
    theirs = hand_totals(run_all(queries), kinds)
    assert ours == theirs, (ours, theirs)  # the same figures, or the comparison means nothing

    orm, sql = [], []
    for _ in range(20):
        began = time.perf_counter()
        scoreboard(period=period, now=now)
        orm.append((time.perf_counter() - began) * 1000)
        began = time.perf_counter()
        run_all(queries)
        sql.append((time.perf_counter() - began) * 1000)
    orm.sort()
    sql.sort()
    print(
        running,
        swept["breached"],
        swept["escalated"],
        round(sweep_s, 2),
        round(statistics.median(orm), 1),
        round(orm[18], 1),
        round(statistics.median(sql), 1),
        round(sql[18], 1),
    )


if __name__ == "__main__":
    main()
