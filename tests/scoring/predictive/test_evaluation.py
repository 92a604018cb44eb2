"""The calibration and threshold tables and the AUC, on given probabilities, checked by hand."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from truce.scoring.predictive.evaluation import auc, calibration_table, threshold_table

# Eight held-out leads: (predicted probability, won?)
PROBABILITIES = [0.05, 0.15, 0.18, 0.35, 0.5, 0.72, 0.9, 1.0]
LABELS = [0, 0, 1, 0, 1, 1, 0, 1]


def test_auc_counts_pairs_ranked_right():
    # Won leads: 0.18, 0.5, 0.72, 1.0; lost: 0.05, 0.15, 0.35, 0.9. Pairs (won above lost):
    # 0.18 beats 2, 0.5 beats 3, 0.72 beats 3, 1.0 beats 4 → 12 of 16.
    assert auc(PROBABILITIES, LABELS) == 12 / 16


def test_auc_counts_a_tie_as_half():
    assert auc([0.4, 0.4, 0.1], [1, 0, 0]) == (0.5 + 1) / 2


def test_calibration_bands_by_hand():
    rows = calibration_table(PROBABILITIES, LABELS)

    assert [(r["low"], r["high"], r["count"]) for r in rows] == [
        (0.0, 0.1, 1),
        (0.1, 0.2, 2),
        (0.2, 0.3, 0),
        (0.3, 0.4, 1),
        (0.4, 0.5, 0),
        (0.5, 0.6, 1),  # 0.5 opens its band
        (0.6, 0.7, 0),
        (0.7, 0.8, 1),
        (0.8, 0.9, 0),
        (0.9, 1.0, 2),  # 0.9 and 1.0: the last band includes 100 %
    ]
    assert rows[1]["mean_predicted"] == pytest.approx((0.15 + 0.18) / 2)
    assert rows[1]["observed_rate"] == 0.5
    assert rows[9]["mean_predicted"] == pytest.approx(0.95)
    assert rows[9]["observed_rate"] == 0.5
    assert rows[0]["mean_predicted"] == 0.05 and rows[0]["observed_rate"] == 0.0
    assert rows[2]["mean_predicted"] is None and rows[2]["observed_rate"] is None


def test_threshold_table_by_hand():
    rows = {r["threshold"]: r for r in threshold_table(PROBABILITIES, LABELS, [0.1, 0.5, 0.95])}

    # ≥ 0.1: 7 leads, 4 won (all of them): precision 4/7, recall 1.
    assert rows[0.1] == {"threshold": 0.1, "volume": 7, "won": 4, "precision": 4 / 7, "recall": 1.0}
    # ≥ 0.5: 0.5, 0.72, 0.9, 1.0 → 3 won of 4; recall 3/4.
    assert rows[0.5] == {"threshold": 0.5, "volume": 4, "won": 3, "precision": 0.75, "recall": 0.75}
    # ≥ 0.95: only 1.0, won.
    assert rows[0.95] == {
        "threshold": 0.95,
        "volume": 1,
        "won": 1,
        "precision": 1.0,
        "recall": 0.25,
    }


def test_threshold_table_with_nothing_chosen_or_nothing_won():
    [row] = threshold_table([0.2, 0.3], [0, 0], [0.5])
    assert row == {"threshold": 0.5, "volume": 0, "won": 0, "precision": None, "recall": None}


# Timing is the shared machine's business, not this property's.
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.floats(0, 1, allow_nan=False), st.integers(0, 1)), min_size=1, max_size=60
    )
)
def test_every_lead_falls_in_exactly_one_band_and_volumes_shrink(pairs):
    probabilities, labels = [p for p, _ in pairs], [y for _, y in pairs]
    bands = calibration_table(probabilities, labels)
    assert sum(r["count"] for r in bands) == len(pairs)
    assert sum(round(r["observed_rate"] * r["count"]) for r in bands if r["count"]) == sum(labels)
    volumes = [r["volume"] for r in threshold_table(probabilities, labels)]
    assert volumes == sorted(volumes, reverse=True)
