"""A smoke training on the real Olist data, imported through the product's own import path
(docs/how-to/import-olist.md, run by the walkthrough fixture)."""

import csv
import json

import pytest
from django.core.management import call_command

from tests.datasets import OLIST
from tests.transfer.test_olist_walkthrough import walked  # noqa: F401 (the fixture)
from truce.scoring.predictive import services
from truce.scoring.predictive.errors import TooFewOutcomes


def _mql_ids(name: str) -> list[str]:
    with (OLIST / name).open(newline="", encoding="utf-8") as handle:
        return [row["mql_id"] for row in csv.DictReader(handle)]


def _import_lost(tmp_path, lost: list[str]) -> None:
    """MQLs without a deal by the end of the data count as lost (no decision)."""
    rows = tmp_path / "lost.csv"
    with rows.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["mql_id", "lost_at"])
        writer.writerows([mql_id, "31-12-2018 23:00"] for mql_id in lost)
    mapping = tmp_path / "lost.json"
    mapping.write_text(
        json.dumps(
            {
                "columns": {"mql_id": "lead_external_id", "lost_at": "outcome_at"},
                "constants": {"outcome": "lost", "reason": "no_decision"},
                "options": {"timezone": "America/Sao_Paulo"},
            }
        )
    )
    call_command("import", "outcomes", str(rows), "--mapping", str(mapping))


def test_olist_trains_without_the_deal_attributes(walked, tmp_path, marketer):  # noqa: F811
    # As published, Olist holds only won deals: nothing to contrast them with.
    with pytest.raises(TooFewOutcomes, match="there are 842 won and 0 lost"):
        services.train_model(actor=marketer)

    won = set(_mql_ids("closed_deals.csv"))
    _import_lost(tmp_path, [m for m in _mql_ids("marketing_qualified_leads.csv") if m not in won])
    model = services.train_model(actor=marketer)

    assert (model.training_size, model.won_count, model.lost_count) == (8000, 842, 7158)
    assert model.holdout_size == 2000
    # The deals' segment, type and profile were written after their outcome: never features.
    names = model.features["categorical"] + model.features["numeric"]
    assert not [name for name in names if name.startswith("fact:")]
    # Origin and landing page carry some signal, and without the leak the model is no oracle.
    assert 0.55 < model.auc < 0.9
    assert sum(row["count"] for row in model.metrics["calibration"]) == 2000
