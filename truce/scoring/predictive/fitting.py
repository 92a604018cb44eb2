"""The model: one-hot categories and standardised numbers into a logistic regression.

Logistic regression because its explanation is exact: the log-odds of a lead are the base
log-odds plus one contribution per feature, so the factors shown with a score add up to it.
The model kept is the one evaluated: trained on a stratified 75 % of the closed leads, its
metrics measured on the other 25 % it never saw.
"""

import hashlib
import io
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import joblib
import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from . import evaluation
from .errors import TooFewOutcomes
from .features import Example, label, matrix

RANDOM_STATE = 0
HOLDOUT_SHARE = 0.25
# Fewer than this many of either class and neither the fit nor the held-out AUC means much.
MIN_PER_CLASS = 10
# A category seen fewer times than this in training is pooled with the other rare ones.
MIN_CATEGORY = 5
TOP_FEATURES = 15


def _combine(feature: str, category: Any) -> str:
    return f"{feature}={category}"


def pipeline(spec: dict[str, list[str]]) -> Pipeline:
    n_cat, n_num = len(spec["categorical"]), len(spec["numeric"])
    encode = OneHotEncoder(
        handle_unknown="infrequent_if_exist",
        min_frequency=MIN_CATEGORY,
        sparse_output=False,
        feature_name_combiner=_combine,
    )
    numbers = Pipeline(
        [
            ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
            ("scale", StandardScaler()),
        ]
    )
    columns = ColumnTransformer(
        [("cat", encode, list(range(n_cat))), ("num", numbers, list(range(n_cat, n_cat + n_num)))]
    )
    return Pipeline([("columns", columns), ("model", LogisticRegression(max_iter=5000))])


def check_outcomes(won: int, lost: int, minimum: int = MIN_PER_CLASS) -> None:
    if won < minimum or lost < minimum:
        raise TooFewOutcomes(
            f"Training needs at least {minimum} won and {minimum} lost (or disqualified) leads; "
            f"there are {won} won and {lost} lost. Recycled and open leads do not count.",
            field="outcomes",
        )


@dataclass
class Trained:
    """A fitted pipeline with what its explanations need: which feature each column encodes
    (and for a category, which value) and each column's mean over the training leads."""

    pipeline: Pipeline
    spec: dict[str, list[str]]
    columns: list[tuple[str, str | None]]
    means: np.ndarray

    @property
    def weights(self) -> np.ndarray:
        return np.asarray(self.pipeline.named_steps["model"].coef_[0])

    @property
    def intercept(self) -> float:
        return float(self.pipeline.named_steps["model"].intercept_[0])

    def probabilities(self, found: Sequence[Example]) -> np.ndarray:
        return np.asarray(self.pipeline.predict_proba(matrix(found, self.spec))[:, 1])

    def encoded(self, found: Sequence[Example]) -> np.ndarray:
        return np.asarray(self.pipeline.named_steps["columns"].transform(matrix(found, self.spec)))


def _columns(fitted: Pipeline, spec: dict[str, list[str]]) -> list[tuple[str, str | None]]:
    names = [*spec["categorical"], *spec["numeric"]]
    out = fitted.named_steps["columns"].get_feature_names_out(names)
    columns: list[tuple[str, str | None]] = []
    for name in out:
        part, _, rest = str(name).partition("__")
        feature, _, value = rest.partition("=")
        columns.append((feature, value if part == "cat" else None))
    return columns


def _fit(found: Sequence[Example], spec: dict[str, list[str]]) -> Trained:
    fitted = pipeline(spec).fit(matrix(found, spec), [e.label for e in found])
    encoded = np.asarray(fitted.named_steps["columns"].transform(matrix(found, spec)))
    return Trained(fitted, spec, _columns(fitted, spec), encoded.mean(axis=0))


def split(found: Sequence[Example]) -> tuple[list[Example], list[Example]]:
    train, held_out = train_test_split(
        list(found),
        test_size=HOLDOUT_SHARE,
        stratify=[e.label for e in found],
        random_state=RANDOM_STATE,
    )
    return list(train), list(held_out)


@dataclass
class Result:
    trained: Trained
    train_size: int
    held_out_size: int
    metrics: dict[str, Any]


def train(found: Sequence[Example], spec: dict[str, list[str]]) -> Result:
    labels = [e.label for e in found]
    check_outcomes(sum(1 for y in labels if y == 1), sum(1 for y in labels if y == 0))
    train_set, held_out = split(found)
    trained = _fit(train_set, spec)
    probabilities = [float(p) for p in trained.probabilities(held_out)]
    truth = [int(e.label or 0) for e in held_out]
    metrics = {
        "auc": evaluation.auc(probabilities, truth),
        "calibration": evaluation.calibration_table(probabilities, truth),
        "thresholds": evaluation.threshold_table(probabilities, truth),
        "top_features": top_features(trained),
    }
    return Result(trained, len(train_set), len(held_out), metrics)


def top_features(trained: Trained, limit: int = TOP_FEATURES) -> list[dict[str, Any]]:
    """The columns with the largest weights (log-odds per category, or per standard deviation
    of a number), strongest first."""
    rows: list[dict[str, Any]] = [
        {"feature": f, "label": label(f), "value": v, "weight": float(w)}
        for (f, v), w in zip(trained.columns, trained.weights, strict=True)
    ]
    rows.sort(key=lambda row: (-abs(row["weight"]), row["feature"], row["value"] or ""))
    return rows[:limit]


def fingerprint(found: Sequence[Example]) -> str:
    """Same closed leads with the same features: same fingerprint (and the same model)."""
    data = [
        [e.lead_id, e.label, {k: _plain(v) for k, v in e.features.items()}]
        for e in sorted(found, key=lambda e: e.lead_id)
    ]
    text = json.dumps(data, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _plain(value: Any) -> Any:
    return None if isinstance(value, float) and math.isnan(value) else value


def dump(trained: Trained) -> bytes:
    buffer = io.BytesIO()
    joblib.dump(
        {"pipeline": trained.pipeline, "columns": trained.columns, "means": trained.means}, buffer
    )
    return buffer.getvalue()


def load(artifact: bytes | memoryview, spec: dict[str, list[str]]) -> Trained:
    # The artifact is only ever written by `dump` above, into our own database.
    stored = joblib.load(io.BytesIO(bytes(artifact)))
    return Trained(stored["pipeline"], spec, stored["columns"], stored["means"])
