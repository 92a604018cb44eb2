"""The timed part of benchmarks/reports.py, in a fresh process against the migrated database.

python benchmarks/reports_measure.py LEADS TOUCHES_PER_LEAD RUNS   (prints Markdown rows)

RUNS 0 seeds only; LEADS 0 seeds nothing and measures the database as an earlier run left it.
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
from truce.insights.attribution.query import Ask, credits, epoch_seconds  # noqa: E402
from truce.insights.attribution.values import VALUES  # noqa: E402
from truce.insights.facts.source import LIVE  # noqa: E402
from truce.insights.models import LeadFacts  # noqa: E402
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
    "stages_reached", "marketing_by_created", "marketing_by_qualified",
    "marketing_by_opportunity", "marketing_by_won",
)  # fmt: skip
STAY_COLUMNS = (
    "lead_id", "stage_id", "visit", "entered_at", "exited_at", "seconds", "lead_created_at"
)  # fmt: skip
TOUCH_COLUMNS = (
    "id", "lead_id", "contact_id", "kind", "channel", "team", "campaign_id", "occurred_at",
    "collateral", "note", "created_at",
)  # fmt: skip
PATH_COLUMNS = ("touch_id", "lead_id", "position", "occurred_at", "campaign_id", "channel")


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
    from 30 days before the lead was created to the end of its path; the marketing ones also
    numbered along the lead's path, and counted up to each milestone, as the facts keep them
    (TouchFacts, LeadFacts.marketing_by_*). Foreign keys are not
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
    path_rows: list[tuple[Any, ...]] = []
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
        route = []
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
            if team == "marketing":
                route.append((when, touch_id, campaign, channel))
        route.sort()
        for position, (when, tid, offer, medium) in enumerate(route, start=1):
            path_rows.append((tid, lead_id, position, db(when), offer, medium))

        def up_to(moment: datetime | None, route: list[Any] = route) -> int | None:
            return None if moment is None else sum(1 for t in route if t[0] <= moment)

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
                counts["sales"], "{}", 0, mask, up_to(created), up_to(times.get(mql)),
                up_to(times.get(opportunity)), up_to(ended if won else None),
            )
        )  # fmt: skip
        if len(lead_rows) >= BATCH:
            write(lead_rows, stay_rows, touch_rows, path_rows)
            lead_rows, stay_rows, touch_rows, path_rows = [], [], [], []
    write(lead_rows, stay_rows, touch_rows, path_rows)
    with connection.cursor() as cursor:
        # PostgreSQL: the visibility map too, so index-only scans need not visit the heap
        # (what autovacuum does on its own a little later).
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return len(stay_rows), touch_id


@transaction.atomic
def write(leads: list[Any], stays: list[Any], touches: list[Any], paths: list[Any]) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")  # no FK triggers
    insert_rows("insights_leadfacts", LEAD_COLUMNS, leads)
    insert_rows("insights_stagefacts", STAY_COLUMNS, stays)
    insert_rows("touches_touch", TOUCH_COLUMNS, touches)
    insert_rows("insights_touchfacts", PATH_COLUMNS, paths)


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


# Attribution of won revenue, written the plain way over the same tables (the leads' facts and
# their numbered paths): per-lead shares as floats (no exact rounding), summed per campaign.
# The positional models (U, W, full path) are compared with the linear one, the plainest
# query that reads the same rows; time decay with its float form (one window for the total).
PATH = """
    FROM insights_leadfacts f JOIN insights_touchfacts t ON t.lead_id = f.lead_id
    WHERE f.outcome = 'won' AND f.won_at IS NOT NULL"""


def hand_time_decay() -> str:
    age = f"({epoch_seconds('e.newest')} - {epoch_seconds('t.occurred_at')}) / 604800.0"
    return f"""
        WITH e AS (
            SELECT f.lead_id, f.amount, f.marketing_by_won AS n, z.occurred_at AS newest
            FROM insights_leadfacts f JOIN insights_touchfacts z
              ON z.lead_id = f.lead_id AND z.position = f.marketing_by_won
            WHERE f.outcome = 'won' AND f.won_at IS NOT NULL
        ),
        w AS (
            SELECT t.lead_id, t.campaign_id, e.amount,
                   POWER(CAST(2 AS DOUBLE PRECISION), -{age}) AS w
            FROM e JOIN insights_touchfacts t ON t.lead_id = e.lead_id AND t.position <= e.n
        )
        SELECT campaign_id, SUM(amount * w / total) FROM (
            SELECT w.*, SUM(w) OVER (PARTITION BY lead_id) AS total FROM w) x
        GROUP BY campaign_id"""


HAND_ATTRIBUTION = {
    "first_touch": f"""
        SELECT t.campaign_id, SUM(f.amount) {PATH}
          AND t.position = 1 AND f.marketing_by_won > 0
        GROUP BY t.campaign_id""",
    "last_touch": f"""
        SELECT t.campaign_id, SUM(f.amount) {PATH} AND t.position = f.marketing_by_won
        GROUP BY t.campaign_id""",
    "linear": f"""
        SELECT t.campaign_id, SUM(f.amount * 1.0 / f.marketing_by_won) {PATH}
          AND t.position <= f.marketing_by_won
        GROUP BY t.campaign_id""",
    "time_decay": hand_time_decay(),
}
# Time decay's weights are floored integers (2^20 for the newest touch), the hand-written ones
# exact powers: a share of each campaign's credit the two may differ by, beyond the rounding.
TOLERANCE = {"time_decay": 10**-4}


def hand_sql(sql: str) -> Callable[[], Any]:
    def run() -> Any:
        with connection.cursor() as cursor:
            cursor.execute(sql, [])  # parameters, even none, turn the `%%` into `%`
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
    return lambda: credits(ask, LIVE)


def agree_attribution(model: str) -> bool:
    """The exact credits in cents against the hand-written float shares, per campaign: each
    credited touch is within a cent of its exact share, so a campaign is within as many cents
    as it has touches credited (plus the float sum's own rounding)."""
    ours: dict[Any, list[int]] = {}
    for credit in attributed(model)().rows:
        units, touches = ours.setdefault(credit.campaign_id, [0, 0])
        ours[credit.campaign_id] = [units + credit.units, touches + credit.touches]
    theirs = {c: round(float(v) * 100) for c, v in hand_sql(HAND_ATTRIBUTION[model])()}
    share = TOLERANCE.get(model, 0)
    return ours.keys() == theirs.keys() and all(
        abs(units - theirs[c]) <= 1 + touches + units * share
        for c, (units, touches) in ours.items()
    )


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
    if leads:
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
    leads = LeadFacts.objects.count()
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
