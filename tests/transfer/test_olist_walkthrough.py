"""docs/how-to/import-olist.md, done exactly as it says: its mappings and commands are read
from the page and run against the real Olist files, and what they wrote is checked against the
files themselves, read here with the csv module."""

import csv
import json
import math
import re
import shlex
from collections import Counter
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
from django.core.management import call_command

from tests.datasets import OLIST
from truce.funnel.models import Lead, Outcome, Stage
from truce.identity.models import User
from truce.insights.reports.base import Query
from truce.insights.reports.grouping import NONE_LABEL
from truce.insights.reports.runner import run_report
from truce.ledger.selectors import verify_chain
from truce.touches.models import Campaign

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "how-to" / "import-olist.md"
SAO_PAULO = ZoneInfo("America/Sao_Paulo")


def _page() -> tuple[dict[str, str], list[list[str]]]:
    text = PAGE.read_text(encoding="utf-8")
    files = dict(re.findall(r"Save as `([^`]+)`:\n\n```json\n(.*?)```", text, re.S))
    commands = [
        shlex.split(line)
        for block in re.findall(r"```sh\n(.*?)```", text, re.S)
        for line in block.strip().splitlines()
    ]
    return files, commands


def _rows(name: str) -> list[dict[str, str]]:
    with (OLIST / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def walked(db, tmp_path, monkeypatch, capsys):
    files, commands = _page()
    assert sorted(files) == ["olist-deals.json", "olist-mqls.json"]
    for name, body in files.items():
        json.loads(body)  # each is valid JSON as printed
        (tmp_path / name).write_text(body, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    outputs = []
    for command in commands:
        assert command[0] == "truce"
        args = [a.replace("$OLIST", str(OLIST)) for a in command[1:]]
        call_command(*args)
        outputs.append(capsys.readouterr().out)
    return commands, outputs


def test_the_walkthrough_imports_every_mql_and_every_win(walked):
    commands, outputs = walked
    mqls, deals = _rows("marketing_qualified_leads.csv"), _rows("closed_deals.csv")

    assert [c[1:3] for c in commands] == [
        ["import", "leads"],
        ["import", "leads"],
        ["import", "outcomes"],
        ["ledger", "verify"],
        ["report", "funnel"],
    ]
    assert "Would import leads from 8,000 rows" in outputs[0] and "8,000 created" in outputs[0]
    assert Lead.objects.count() == len(mqls) == 8000
    by_origin = Counter(row["origin"] for row in mqls)
    assert Counter(Lead.objects.values_list("source", flat=True)) == by_origin
    assert Campaign.objects.count() == len({row["landing_page_id"] for row in mqls})

    first = mqls[0]
    lead = Lead.objects.get(external_id=first["mql_id"])
    day = datetime.strptime(first["first_contact_date"], "%d-%m-%Y").replace(tzinfo=SAO_PAULO)
    assert lead.created_at == day
    assert lead.qualified_at == day  # imported at the MQL stage: handed over on that day
    assert lead.campaign.name == first["landing_page_id"]

    won = Lead.objects.filter(outcome=Outcome.WON)
    assert won.count() == len(deals) == 842
    assert set(won.values_list("external_id", flat=True)) == {d["mql_id"] for d in deals}
    assert set(User.objects.filter(is_active=False).values_list("username", flat=True)) == {
        d["sr_id"] for d in deals
    }
    deal = next(d for d in deals if d["lead_behaviour_profile"] == "cat, wolf")
    closed = Lead.objects.select_related("owner", "stage").get(external_id=deal["mql_id"])
    assert closed.outcome_at == datetime.strptime(deal["won_date"], "%d-%m-%Y %H:%M").replace(
        tzinfo=SAO_PAULO
    )
    assert (closed.owner.username, closed.stage.key) == (deal["sr_id"], "customer")
    assert closed.facts["lead_behaviour_profile"] == ["cat", "wolf"]
    assert closed.facts["sdr"] == deal["sdr_id"]
    assert verify_chain().ok
    assert "Organic search" in outputs[4] or "organic_search" in outputs[4]


def test_running_the_walkthrough_again_changes_nothing(walked):
    commands, _ = walked
    before = (Lead.objects.count(), Lead.objects.filter(outcome=Outcome.WON).count())

    for command in commands[1:3]:
        call_command(*[a.replace("$OLIST", str(OLIST)) for a in command[1:]])

    assert (Lead.objects.count(), Lead.objects.filter(outcome=Outcome.WON).count()) == before


def _nearest_rank_median(values: pd.Series) -> int:
    """The median as the reports define it: the value of rank ceil(n / 2) in order."""
    ordered = values.sort_values().reset_index(drop=True)
    return int(ordered[math.ceil(len(ordered) / 2) - 1])


def test_the_reports_on_olist_agree_with_pandas(walked):
    """MQL-to-won conversion by origin and the median time from first contact to won, from
    the funnel report over the imported data, against pandas over the raw files."""
    mqls = pd.read_csv(OLIST / "marketing_qualified_leads.csv", dtype=str, keep_default_na=False)
    deals = pd.read_csv(OLIST / "closed_deals.csv", dtype=str, keep_default_na=False)
    joined = mqls.merge(deals[["mql_id", "won_date"]], on="mql_id", how="left")
    joined["won"] = joined["won_date"].fillna("") != ""
    expected_rate = joined.groupby("origin")["won"].agg(["sum", "count"])
    # Both are São Paulo wall time (the mapping's time zone), which had summer time then: a
    # midnight skipped by the clocks is the first moment after it, an hour told twice its first.
    local = {"ambiguous": np.ones(len(joined), bool), "nonexistent": "shift_forward"}
    contact = pd.to_datetime(joined["first_contact_date"], format="%d-%m-%Y")
    won_at = pd.to_datetime(joined["won_date"], format="%d-%m-%Y %H:%M")
    contact = contact.dt.tz_localize("America/Sao_Paulo", **local)
    won_at = won_at.dt.tz_localize("America/Sao_Paulo", **local)
    joined["seconds"] = (won_at - contact).dt.total_seconds()
    wins = joined[joined["won"]]

    overall = run_report("funnel", Query())
    by_origin = run_report("funnel", Query(by="source"))

    names = dict(Stage.objects.filter(key__in=["mql", "customer"]).values_list("key", "name"))
    mql_row = next(r for r in overall.rows if r["stage"] == names["mql"])
    assert mql_row["stays"] == len(wins) == 842
    assert mql_row["median_seconds"] == _nearest_rank_median(wins["seconds"])
    got = {}
    for row in by_origin.rows:
        origin = "" if row["group"] == NONE_LABEL else row["group"]
        if row["stage"] == names["mql"]:
            got.setdefault(origin, {})["mqls"] = row["reached"]
            if row["stays"]:
                in_origin = wins[wins["origin"] == origin]["seconds"]
                assert row["median_seconds"] == _nearest_rank_median(in_origin), origin
        elif row["stage"] == names["customer"]:
            got.setdefault(origin, {})["won"] = row["reached"]
    assert {o: (g.get("won", 0), g["mqls"]) for o, g in got.items()} == {
        o: (int(r["sum"]), int(r["count"])) for o, r in expected_rate.iterrows()
    }
