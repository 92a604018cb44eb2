"""The timed part of benchmarks/reports.py, in a fresh process against the migrated database.

python benchmarks/reports_measure.py LEADS TOUCHES_PER_LEAD RUNS   (prints Markdown rows)
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

from truce.agreements.scoreboard.shapes import OPPORTUNITY_STAGE  # noqa: E402
from truce.funnel.models import Reason, Stage  # noqa: E402
from truce.insights.attribution import MODELS  # noqa: E402
from truce.insights.attribution.query import Ask, credits  # noqa: E402
from truce.insights.attribution.values import VALUES  # noqa: E402
from truce.insights.facts.source import LIVE  # noqa: E402
from truce.insights.reports.base import Query  # noqa: E402
from truce.insights.reports.funnel import funnel  # noqa: E402
from truce.insights.reports.outcomes import lost_reasons  # noqa: E402
from truce.insights.reports.sql import moment, seconds_between  # noqa: E402
from truce.ledger.bulk import insert_rows  # noqa: E402
from truce.touches.models import Campaign  # noqa: E402

START = datetime(2025, 1, 1, tzinfo=UTC)
WINDOW = Query(start=START, end=START + timedelta(days=365))
BATCH = 20_000
CONTINUE = 0.7  # the chance a lead goes on to the next stage
CAMPAIGNS = 40
CHANNELS = ("email", "paid_search", "social", "events", "webinar", "content")

LEAD_COLUMNS = (
    "lead_id", "contact_id", "created_at", "cohort", "source", "campaign_id", "outcome",
    "outcome_reason_id", "outcome_stage_id", "outcome_at", "amount", "won_at", "opportunity_at",
    "qualified_at", "team", "product_line", "disposition", "recycled_count", "reopened_count",
    "touch_count", "marketing_touch_count", "sales_touch_count", "touch_kinds", "last_seq",
    "stages_reached",
)  # fmt: skip
STAY_COLUMNS = (
    "lead_id", "stage_id", "visit", "entered_at", "exited_at", "seconds", "lead_created_at"
)  # fmt: skip
TOUCH_COLUMNS = (
    "id", "lead_id", "contact_id", "kind", "channel", "team", "campaign_id", "occurred_at",
    "collateral", "note", "created_at",
)  # fmt: skip


def campaigns() -> list[tuple[int, str]]:
    now = datetime.now(UTC)
    made = [
        Campaign.objects.create(
            name=f"Benchmark campaign {i}",
            channel=CHANNELS[i % len(CHANNELS)],
            created_at=now,
            updated_at=now,
        )
        for i in range(CAMPAIGNS)
    ]
    return [(c.pk, c.channel) for c in made]


def seed(leads: int, touches_per_lead: int) -> tuple[int, int]:
    """Each lead walks the main path from the lead stage, going on with probability 0.7 at
    each step (about 6 % reach the customer stage and are won); a tenth of the others are
    lost with a reason. Touches: 1 to 2 x average - 1 per lead, seven in ten by marketing,
    from 30 days before the lead was created to the end of its path. Foreign keys are not
    checked while loading (touches name leads and contacts that only exist as facts); reads
    never consult them."""
    rng = random.Random(1)
    stages = list(Stage.objects.filter(is_active=True).order_by("position"))
    path = stages[1:]
    won_stage = next(s.pk for s in stages if s.is_won)
    opportunity = next(s.pk for s in stages if s.key == OPPORTUNITY_STAGE)
    mql = next(s.pk for s in stages if s.key == "mql")
    reasons = list(Reason.objects.filter(kind="lost").values_list("pk", flat=True))
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA foreign_keys = OFF")  # only outside a transaction
    offers = campaigns()
    lead_rows: list[tuple[Any, ...]] = []
    stay_rows: list[tuple[Any, ...]] = []
    touch_rows: list[tuple[Any, ...]] = []
    touch_id = 0
    db = moment
    for lead_id in range(1, leads + 1):
        created = START + timedelta(minutes=rng.randrange(525_600))
        at, times, mask = created, {}, 0
        length = 1
        while length < len(path) and rng.random() < CONTINUE:
            length += 1
        for i, stage in enumerate(path[:length]):
            times[stage.pk] = at
            mask |= 1 << (stage.pk - 1)
            hours = rng.randint(1, 500)
            leave = at + timedelta(hours=hours)
            if i == length - 1:  # where the lead is now: an open stay
                stay_rows.append((lead_id, stage.pk, 1, db(at), None, None, db(created)))
            else:
                stay = (lead_id, stage.pk, 1, db(at), db(leave), hours * 3600, db(created))
                stay_rows.append(stay)
                at = leave
        won = won_stage in times
        lost = not won and rng.random() < 0.1
        ended = times[won_stage] if won else at + timedelta(hours=rng.randint(1, 500))
        campaign, channel = rng.choice(offers)
        counts = {"marketing": 0, "sales": 0}
        for _ in range(rng.randint(1, 2 * touches_per_lead - 1)):
            team = "marketing" if rng.random() < 0.7 else "sales"
            begin = created - timedelta(days=30) if team == "marketing" else created
            span = max(int((ended - begin).total_seconds()), 1)
            when = begin + timedelta(seconds=rng.randrange(span))
            if team == "marketing" and rng.random() < 0.5:
                campaign, channel = rng.choice(offers)
            touch_id += 1
            counts[team] += 1
            touch_rows.append(
                (touch_id, lead_id, lead_id, "email_open", channel, team,
                 campaign if team == "marketing" else None, db(when), "", "", db(when))
            )  # fmt: skip
        lead_rows.append(
            (
                lead_id, lead_id, db(created), created.strftime("%Y-%m"), rng.choice(CHANNELS),
                campaign, "won" if won else "lost" if lost else "open",
                rng.choice(reasons) if lost else None,
                won_stage if won else rng.choice(path[:length]).pk if lost else None,
                db(ended) if won or lost else None,
                f"{rng.randint(500, 50_000)}.{rng.randint(0, 99):02d}" if won else None,
                db(ended) if won else None,
                db(times[opportunity]) if opportunity in times else None,
                db(times[mql]) if mql in times else None,
                "", "", "", 0, 0, counts["marketing"] + counts["sales"], counts["marketing"],
                counts["sales"], "{}", 0, mask,
            )
        )  # fmt: skip
        if len(lead_rows) >= BATCH:
            write(lead_rows, stay_rows, touch_rows)
            lead_rows, stay_rows, touch_rows = [], [], []
    write(lead_rows, stay_rows, touch_rows)
    with connection.cursor() as cursor:
        # PostgreSQL: the visibility map too, so index-only scans need not visit the heap
        # (what autovacuum does on its own a little later).
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return len(stay_rows), touch_id


@transaction.atomic
def write(leads: list[Any], stays: list[Any], touches: list[Any]) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")  # no FK triggers
    insert_rows("insights_leadfacts", LEAD_COLUMNS, leads)
    insert_rows("insights_stagefacts", STAY_COLUMNS, stays)
    insert_rows("touches_touch", TOUCH_COLUMNS, touches)


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


# Attribution of won revenue, written the plain way: per-lead shares as floats (no exact
# rounding), marketing touches up to the win, summed per campaign. The positional models
# (U, W, full path) and time decay are compared with the linear one, the plainest query that
# reads the same rows.
PATH = """
    FROM insights_leadfacts f JOIN touches_touch t ON t.lead_id = f.lead_id
    WHERE f.outcome = 'won' AND f.won_at IS NOT NULL AND t.team = 'marketing'
      AND t.occurred_at <= f.won_at"""
HAND_ATTRIBUTION = {
    "first_touch": f"""
        SELECT campaign_id, SUM(v) FROM (
            SELECT t.campaign_id, f.amount AS v, ROW_NUMBER() OVER (
                PARTITION BY t.lead_id ORDER BY t.occurred_at, t.id) AS pos {PATH}) x
        WHERE pos = 1 GROUP BY campaign_id""",
    "last_touch": f"""
        SELECT campaign_id, SUM(v) FROM (
            SELECT t.campaign_id, f.amount AS v, ROW_NUMBER() OVER (
                PARTITION BY t.lead_id ORDER BY t.occurred_at DESC, t.id DESC) AS pos {PATH}) x
        WHERE pos = 1 GROUP BY campaign_id""",
    "linear": f"""
        SELECT campaign_id, SUM(v * 1.0 / n) FROM (
            SELECT t.campaign_id, f.amount AS v, COUNT(*) OVER (PARTITION BY t.lead_id) AS n
            {PATH}) x
        GROUP BY campaign_id""",
}


def hand_sql(sql: str) -> Callable[[], Any]:
    def run() -> Any:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()

    return run


def attributed(model: str) -> Callable[[], Any]:
    ask = Ask(
        model=model,
        value=VALUES["revenue"],
        half_life_days=7.0,
        start=WINDOW.start,
        end=WINDOW.end + timedelta(days=365),
    )
    return lambda: credits(ask, LIVE.lead_table)


def agree_attribution(model: str) -> bool:
    """The exact credits in cents against the hand-written float shares, per campaign."""
    ours: dict[Any, int] = {}
    for credit in attributed(model)().rows:
        ours[credit.campaign_id] = ours.get(credit.campaign_id, 0) + credit.units
    theirs = {c: round(float(v) * 100) for c, v in hand_sql(HAND_ATTRIBUTION[model])()}
    return ours.keys() == theirs.keys() and all(abs(ours[c] - theirs[c]) <= 1 + ours[c] // 10**7
                                                for c in ours)  # fmt: skip


def timed(run: Callable[[], Any]) -> float:
    began = time.perf_counter()
    run()
    return (time.perf_counter() - began) * 1000


def compare(name: str, report: Callable[[], Any], hand: Callable[[], Any], runs: int) -> str:
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
    leads, per_lead, runs = (int(a) for a in sys.argv[1:4])
    began = time.perf_counter()
    seed(leads, per_lead)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM insights_stagefacts")
        (stays,) = cursor.fetchone()
        cursor.execute(
            "SELECT COUNT(*), SUM(CASE WHEN team = 'marketing' THEN 1 END) FROM touches_touch"
        )
        touches, marketing = cursor.fetchone()
        cursor.execute("SELECT COUNT(*) FROM insights_leadfacts WHERE outcome = 'won'")
        (won,) = cursor.fetchone()
    print(
        f"{leads:,} leads ({won:,} won), {stays:,} stays, {touches:,} touches ({marketing:,}"
        f" marketing) written in {time.perf_counter() - began:.0f} s\n"
    )
    if not runs:
        return  # seeded only: to measure by hand
    print("| database | report | median | max | hand-written median | max | ratio |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    if report_funnel() != hand_funnel():
        sys.exit("funnel: the report and the hand-written SQL disagree")
    print(compare("funnel", report_funnel, hand_funnel, runs), flush=True)
    if report_lost() != hand_lost():
        sys.exit("lost reasons: the report and the hand-written SQL disagree")
    print(compare("lost reasons by stage", report_lost, hand_lost, runs), flush=True)
    for model in MODELS:
        against = model if model in HAND_ATTRIBUTION else "linear"
        if against == model and not agree_attribution(model):
            sys.exit(f"attribution {model}: the report and the hand-written SQL disagree")
        name = f"attribution {model} (hand: {against})"
        print(
            compare(name, attributed(model), hand_sql(HAND_ATTRIBUTION[against]), runs), flush=True
        )


if __name__ == "__main__":
    main()
