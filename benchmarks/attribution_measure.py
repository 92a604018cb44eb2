"""The timed part of benchmarks/attribution.py, run against the seeded database: facts if
missing, then each model's query and hand-written SQL, interleaved. Prints a Markdown table."""

import statistics
import time
from collections.abc import Callable
from typing import Any

import django

django.setup()

from django.core.management import call_command, get_commands  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from truce.agreements.scoreboard.shapes import OPPORTUNITY_STAGE  # noqa: E402
from truce.insights.attribution import MODELS  # noqa: E402
from truce.insights.attribution.query import Ask, credits  # noqa: E402
from truce.insights.attribution.values import VALUES  # noqa: E402
from truce.insights.facts.source import LIVE  # noqa: E402
from truce.insights.models import LeadFacts  # noqa: E402

RUNS = 5

# What the report computes, written the plain way: per-lead shares as floats (no exact
# rounding), marketing touches up to the win, summed per campaign.
HAND = {
    "first_touch": """
        SELECT campaign_id, SUM(v) FROM (
            SELECT t.campaign_id, f.amount AS v, ROW_NUMBER() OVER (
                PARTITION BY t.lead_id ORDER BY t.occurred_at, t.id) AS pos
            FROM insights_leadfacts f JOIN touches_touch t ON t.lead_id = f.lead_id
            WHERE f.outcome = 'won' AND f.won_at IS NOT NULL AND t.team = 'marketing'
              AND t.occurred_at <= f.won_at) x
        WHERE pos = 1 GROUP BY campaign_id""",
    "last_touch": """
        SELECT campaign_id, SUM(v) FROM (
            SELECT t.campaign_id, f.amount AS v, ROW_NUMBER() OVER (
                PARTITION BY t.lead_id ORDER BY t.occurred_at DESC, t.id DESC) AS pos
            FROM insights_leadfacts f JOIN touches_touch t ON t.lead_id = f.lead_id
            WHERE f.outcome = 'won' AND f.won_at IS NOT NULL AND t.team = 'marketing'
              AND t.occurred_at <= f.won_at) x
        WHERE pos = 1 GROUP BY campaign_id""",
    "linear": """
        SELECT campaign_id, SUM(v * 1.0 / n) FROM (
            SELECT t.campaign_id, f.amount AS v, COUNT(*) OVER (PARTITION BY t.lead_id) AS n
            FROM insights_leadfacts f JOIN touches_touch t ON t.lead_id = f.lead_id
            WHERE f.outcome = 'won' AND f.won_at IS NOT NULL AND t.team = 'marketing'
              AND t.occurred_at <= f.won_at) x
        GROUP BY campaign_id""",
}
# Facts for attribution copied from the leads when the facts rebuild is not installed.
FACTS = f"""
    INSERT INTO insights_leadfacts (lead_id, created_at, cohort, source, outcome, amount,
        won_at, qualified_at, opportunity_at, touch_count, marketing_touch_count,
        sales_touch_count, recycled_count, reopened_count, touch_kinds, last_seq, team,
        product_line, disposition)
    SELECT l.id, l.created_at, '', l.source, l.outcome, l.amount,
        CASE WHEN l.outcome = 'won' THEN l.outcome_at END, l.qualified_at,
        (SELECT MIN(v.entered_at) FROM funnel_stagevisit v JOIN funnel_stage s
           ON s.id = v.stage_id WHERE v.lead_id = l.id AND s.key = '{OPPORTUNITY_STAGE}'),
        0, 0, 0, 0, 0, '{{}}', 0, '', l.product_line, ''
    FROM funnel_lead l
"""


def facts() -> None:
    if LeadFacts.objects.exists():
        return
    if "facts" in get_commands():
        call_command("facts", "rebuild")
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(FACTS)


def hand(sql: str) -> Callable[[], Any]:
    def run() -> Any:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()

    return run


def timed(fn: Callable[[], Any]) -> float:
    began = time.perf_counter()
    fn()
    return (time.perf_counter() - began) * 1000


def main() -> None:
    facts()
    reference = hand(HAND["linear"])
    print("| model | report median | hand-written SQL | hand-written median | ratio |")
    print("| --- | ---: | --- | ---: | ---: |")
    for model in MODELS:
        ask = Ask(model=model, value=VALUES["revenue"], half_life_days=7.0)
        against = model if model in HAND else "linear"
        ours, theirs = [], []
        for _ in range(RUNS):
            ours.append(timed(lambda ask=ask: credits(ask, LIVE.lead_table)))
            theirs.append(timed(hand(HAND[against]) if against in HAND else reference))
        mine, plain = statistics.median(ours), statistics.median(theirs)
        print(f"| {model} | {mine:.0f} ms | {against} | {plain:.0f} ms | {mine / plain:.2f}x |")


if __name__ == "__main__":
    main()
