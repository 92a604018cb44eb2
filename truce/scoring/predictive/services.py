"""Writes of predictive scoring: train a model version, and predict open leads with the newest.

scikit-learn takes seconds to import, so it is imported where a model is trained or used
(`_ml()`), never when the pages, the API or the CLI are merely loaded.
"""

from collections.abc import Sequence
from datetime import datetime
from types import ModuleType
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from truce.errors import Conflict
from truce.identity.permissions import require
from truce.ledger import services as ledger

from ..models import LeadPrediction, PredictiveModel
from . import features
from .errors import NoModel, TooFewOutcomes
from .features import Example

if TYPE_CHECKING:
    from . import fitting


def _ml() -> tuple[ModuleType, ModuleType]:
    from . import explain, fitting

    return fitting, explain


def _save_model(
    result: "fitting.Result", found: Sequence[Example], fingerprint: str, actor: Any, now: datetime
) -> PredictiveModel:
    latest = PredictiveModel.objects.aggregate(v=Max("version"))["v"] or 0
    model = PredictiveModel(
        version=latest + 1,
        trained_at=now,
        trained_by=actor if getattr(actor, "pk", None) else None,
        training_size=len(found),
        won_count=sum(1 for e in found if e.label == 1),
        lost_count=sum(1 for e in found if e.label == 0),
        holdout_size=result.held_out_size,
        auc=result.metrics["auc"],
        metrics=result.metrics,
        features=result.trained.spec,
        fingerprint=fingerprint,
        sklearn_version=_sklearn_version(),
        artifact=_ml()[0].dump(result.trained),
    )
    try:
        with transaction.atomic():
            model.save()
    except IntegrityError:
        raise Conflict("Another training finished first; try again.", field="version") from None
    return model


def _sklearn_version() -> str:
    import sklearn

    return str(sklearn.__version__)


def _trained_event(model: PredictiveModel, actor: Any) -> None:
    ledger.append(
        kind="scoring.model_trained",
        subject_type="predictive_model",
        subject_id=model.pk,
        actor=actor,
        occurred_at=model.trained_at,
        payload={
            "version": model.version,
            "training_size": model.training_size,
            "won": model.won_count,
            "lost": model.lost_count,
            "holdout_size": model.holdout_size,
            "auc": round(model.auc, 6),
            "fingerprint": model.fingerprint,
        },
    )


def _predict_later(model: PredictiveModel) -> None:
    from ..tasks import predict_open_leads

    transaction.on_commit(lambda: predict_open_leads.enqueue())


@transaction.atomic
def _record(
    result: "fitting.Result", found: Sequence[Example], fingerprint: str, actor: Any, now: datetime
) -> PredictiveModel:
    model = _save_model(result, found, fingerprint, actor, now)
    _trained_event(model, actor)
    _predict_later(model)
    return model


def train_model(*, actor: Any, now: datetime | None = None) -> PredictiveModel:
    """Train the next model version on every lead won, lost or disqualified by `now`.
    Raises TooFewOutcomes (nothing written) when either class has too few leads."""
    require(actor, "manage_scoring")
    fitting, _ = _ml()
    now = now or timezone.now()
    found = features.training_examples(now)
    result = fitting.train(found, features.feature_spec(found))
    return _record(result, found, fitting.fingerprint(found), actor, now)


def retrain_if_changed(*, actor: Any = None, now: datetime | None = None) -> PredictiveModel | None:
    """The scheduled retrain: a new version only when the closed leads (or what is known of
    them) changed since the newest one; None when there is nothing new or too little to learn."""
    fitting, _ = _ml()
    now = now or timezone.now()
    found = features.training_examples(now)
    fingerprint = fitting.fingerprint(found)
    latest = PredictiveModel.objects.order_by("-version").first()
    if latest is not None and latest.fingerprint == fingerprint:
        return None
    try:
        result = fitting.train(found, features.feature_spec(found))
    except TooFewOutcomes:
        return None
    return _record(result, found, fingerprint, actor, now)


# Predicting.


def _predictions(
    model: PredictiveModel, trained: "fitting.Trained", batch: list[Example], now: datetime
) -> list[LeadPrediction]:
    _, explain = _ml()
    probabilities = trained.probabilities(batch)
    names, rows = explain.contributions(trained, batch)
    return [
        LeadPrediction(
            lead_id=example.lead_id,
            model=model,
            probability=float(p),
            factors=explain.top_factors(example, names, row),
            predicted_at=now,
        )
        for example, p, row in zip(batch, probabilities, rows, strict=True)
    ]


def _changed(predictions: list[LeadPrediction]) -> list[LeadPrediction]:
    stored = {
        lead_id: (model_id, probability, factors)
        for lead_id, model_id, probability, factors in LeadPrediction.objects.filter(
            lead_id__in=[p.lead_id for p in predictions]
        ).values_list("lead_id", "model_id", "probability", "factors")
    }
    return [
        p for p in predictions if stored.get(p.lead_id) != (p.model_id, p.probability, p.factors)
    ]


def _write(predictions: list[LeadPrediction]) -> None:
    LeadPrediction.objects.bulk_create(
        predictions,
        update_conflicts=True,
        unique_fields=["lead"],
        update_fields=["model", "probability", "factors", "predicted_at"],
    )


def predict_open_leads(*, now: datetime | None = None) -> int:
    """Give every open lead its probability and top factors from the newest model; returns how
    many predictions changed (0 on a second run). Raises NoModel before the first training."""
    now = now or timezone.now()
    model = PredictiveModel.objects.order_by("-version").first()
    if model is None:
        raise NoModel("No predictive model has been trained yet.", field="model")
    trained = _ml()[0].load(model.artifact, model.features)
    changed = 0
    for batch in features.examples(features.open_leads(), now):
        with transaction.atomic():
            fresh = _changed(_predictions(model, trained, batch, now))
            _write(fresh)
            changed += len(fresh)
    if changed:
        _predicted_event(model, changed, now)
    return changed


@transaction.atomic
def _predicted_event(model: PredictiveModel, changed: int, now: datetime) -> None:
    # One event per run, not per lead: a prediction is derived from the model version (in the
    # ledger) and the lead's own history, so it can be recomputed; millions of rows need not be.
    ledger.append(
        kind="scoring.predictions_refreshed",
        subject_type="predictive_model",
        subject_id=model.pk,
        occurred_at=now,
        payload={"version": model.version, "changed": changed},
    )
