"""Reads of predictive scoring. Models and predictions are readable by every signed-in user,
like the scoring rules; a lead's prediction is read through the lead the user may see."""

from typing import Any

from django.db.models import Count, Q, QuerySet

from truce.errors import NotFound
from truce.funnel import selectors as funnel_selectors

from ..models import LeadPrediction, PredictiveModel
from .evaluation import THRESHOLDS


def models() -> QuerySet[PredictiveModel]:
    """Newest first, without the pickled pipeline (pages and the API never need it)."""
    return (
        PredictiveModel.objects.defer("artifact").select_related("trained_by").order_by("-version")
    )


def latest_model() -> PredictiveModel | None:
    return models().first()


def get_model(*, version: int) -> PredictiveModel:
    model = models().filter(version=version).first()
    if model is None:
        raise NotFound(f"No predictive model version {version}.", field="version")
    return model


def open_volumes(*, model: PredictiveModel) -> dict[float, int]:
    """How many open leads each candidate threshold would make sales-ready today."""
    counts = LeadPrediction.objects.filter(model=model, lead__outcome="open").aggregate(
        **{f"t{i}": Count("pk", filter=Q(probability__gte=t)) for i, t in enumerate(THRESHOLDS)}
    )
    return {t: counts[f"t{i}"] for i, t in enumerate(THRESHOLDS)}


def prediction_for(*, lead: Any) -> LeadPrediction | None:
    return (
        LeadPrediction.objects.select_related("model")
        .defer("model__artifact")
        .filter(lead_id=lead.pk)
        .first()
    )


def lead_prediction(*, user: Any, lead_id: int) -> LeadPrediction:
    lead = funnel_selectors.get_lead(user=user, lead_id=lead_id)
    prediction = prediction_for(lead=lead)
    if prediction is None:
        raise NotFound(f"Lead {lead_id} has no win probability yet.", field="lead_id")
    return prediction
