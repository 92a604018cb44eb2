"""The tables both owners read, as pure functions of predicted probabilities and outcomes.

Calibration: the probability scale cut in ten equal bands (0–10 %, …, 90–100 %; the last one
includes 100 %). Per band: how many held-out leads were predicted in it, their mean predicted
probability and the share of them that were won. A well-calibrated model has the two close.

Thresholds: for a candidate threshold t, a lead is sales-ready when its probability ≥ t.
volume = leads at or above t; precision = won among them / volume; recall = won among them /
all won. Precision is None when the volume is 0, recall None when nothing was won.
"""

from collections.abc import Sequence
from typing import Any

BANDS = 10
THRESHOLDS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


def auc(probabilities: Sequence[float], labels: Sequence[int]) -> float:
    """Probability that a random won lead is ranked above a random lost one (ties count half)."""
    from sklearn.metrics import roc_auc_score  # see services.py on importing scikit-learn

    return float(roc_auc_score(list(labels), list(probabilities)))


def _band(probability: float) -> int:
    return min(int(probability * BANDS), BANDS - 1)


def calibration_table(
    probabilities: Sequence[float], labels: Sequence[int]
) -> list[dict[str, Any]]:
    bands: list[list[tuple[float, int]]] = [[] for _ in range(BANDS)]
    for p, y in zip(probabilities, labels, strict=True):
        bands[_band(p)].append((p, y))
    return [_calibration_row(i, members) for i, members in enumerate(bands)]


def _calibration_row(index: int, members: list[tuple[float, int]]) -> dict[str, Any]:
    count = len(members)
    return {
        "low": index / BANDS,
        "high": (index + 1) / BANDS,
        "count": count,
        "mean_predicted": sum(p for p, _ in members) / count if count else None,
        "observed_rate": sum(y for _, y in members) / count if count else None,
    }


def threshold_table(
    probabilities: Sequence[float],
    labels: Sequence[int],
    thresholds: Sequence[float] = THRESHOLDS,
) -> list[dict[str, Any]]:
    pairs = list(zip(probabilities, labels, strict=True))
    won = sum(y for _, y in pairs)
    rows = []
    for t in thresholds:
        chosen = [y for p, y in pairs if p >= t]
        hits = sum(chosen)
        rows.append(
            {
                "threshold": t,
                "volume": len(chosen),
                "won": hits,
                "precision": hits / len(chosen) if chosen else None,
                "recall": hits / won if won else None,
            }
        )
    return rows
