"""Each probability with its top factors, exactly.

For a logistic regression, log-odds(lead) = b + Σ_j w_j·z_j over the encoded columns z. Taking
the average closed lead the model learned from as the reference (column means m_j):
log-odds(lead) = base + Σ_j w_j·(z_j − m_j), with base = b + Σ_j w_j·m_j. A feature's
contribution is the sum of its columns' terms; all contributions plus the base give the
lead's log-odds, so the factors are the model's own arithmetic, not an approximation.
"""

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .features import MISSING, Example, label

if TYPE_CHECKING:
    from .fitting import Trained

TOP_FACTORS = 3


def base_log_odds(trained: "Trained") -> float:
    return trained.intercept + float(trained.weights @ trained.means)


def contributions(trained: "Trained", found: Sequence[Example]) -> tuple[list[str], np.ndarray]:
    """Feature names, and per example one contribution (log-odds) per feature."""
    names = [*trained.spec["categorical"], *trained.spec["numeric"]]
    index = {name: i for i, name in enumerate(names)}
    group = np.zeros((len(trained.columns), len(names)))
    for j, (feature, _) in enumerate(trained.columns):
        group[j, index[feature]] = 1.0
    terms = (trained.encoded(found) - trained.means) * trained.weights
    return names, terms @ group


def _shown(name: str, value: Any) -> str:
    if value is None or value == "" or value == MISSING:
        return "unknown"
    if isinstance(value, float):
        if math.isnan(value):
            return "unknown"
        return f"{value:g}" if value != int(value) else str(int(value))
    return str(value)


def _raw(example: Example, name: str) -> Any:
    value = example.features.get(name)
    if name == "employees" and isinstance(value, float) and not math.isnan(value):
        return float(round(math.expm1(value)))
    return value


def factor(example: Example, name: str, amount: float) -> dict[str, Any]:
    shown = _shown(name, _raw(example, name))
    what = label(name).replace(" (log scale)", "")
    direction = "raises" if amount > 0 else "lowers"
    return {
        "feature": name,
        "value": shown,
        "contribution": round(amount, 4),
        "text": f"{what} is {shown}: {direction} the chance ({amount:+.2f} log-odds)",
    }


def top_factors(
    example: Example, names: Sequence[str], row: np.ndarray, limit: int = TOP_FACTORS
) -> list[dict[str, Any]]:
    order = sorted(range(len(names)), key=lambda i: (-abs(row[i]), names[i]))
    return [factor(example, names[i], float(row[i])) for i in order[:limit] if row[i] != 0]
