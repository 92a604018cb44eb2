"""REST endpoints of predictive scoring: the model versions with their evaluation, training,
and a lead's win probability with its factors."""

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema
from pydantic import Field

from truce.api.auth import actor
from truce.api.responses import json_response
from truce.api.schemas import ERRORS, Id

from ..models import LeadPrediction, PredictiveModel
from . import selectors, services

router = Router(tags=["scoring"])


class ModelSummary(Schema):
    version: int
    trained_at: datetime
    trained_by: str | None
    training_size: int
    won_count: int
    lost_count: int
    holdout_size: int
    auc: float = Field(description="Held-out ROC AUC.")


class CalibrationRow(Schema):
    low: float
    high: float
    count: int
    mean_predicted: float | None
    observed_rate: float | None


class ThresholdRow(Schema):
    threshold: float
    volume: int = Field(description="Held-out leads at or above the threshold.")
    won: int
    precision: float | None
    recall: float | None
    open_leads: int = Field(description="Open leads at or above it now, by their prediction.")


class FeatureWeight(Schema):
    feature: str
    label: str
    value: str | None
    weight: float = Field(description="Log-odds per category, or per standard deviation.")


class ModelOut(ModelSummary):
    features: dict[str, list[str]]
    calibration: list[CalibrationRow]
    thresholds: list[ThresholdRow]
    top_features: list[FeatureWeight]


class ModelList(Schema):
    items: list[ModelSummary]


class Factor(Schema):
    feature: str
    value: str
    contribution: float = Field(description="Log-odds added to the average closed lead's.")
    text: str


class PredictionOut(Schema):
    lead_id: int
    probability: float
    model_version: int
    predicted_at: datetime
    factors: list[Factor]


def summary(model: PredictiveModel) -> dict[str, Any]:
    values = {name: getattr(model, name) for name in ModelSummary.model_fields}
    values["trained_by"] = model.trained_by.username if model.trained_by else None
    return values


def detail(model: PredictiveModel) -> dict[str, Any]:
    volumes = selectors.open_volumes(model=model)
    thresholds = [
        {**row, "open_leads": volumes.get(row["threshold"], 0)}
        for row in model.metrics["thresholds"]
    ]
    return {
        **summary(model),
        "features": model.features,
        "calibration": model.metrics["calibration"],
        "thresholds": thresholds,
        "top_features": model.metrics["top_features"],
    }


def prediction_dict(prediction: LeadPrediction) -> dict[str, Any]:
    return {
        "lead_id": prediction.lead_id,
        "probability": prediction.probability,
        "model_version": prediction.model.version,
        "predicted_at": prediction.predicted_at,
        "factors": prediction.factors,
    }


@router.get("/scoring/models", response={200: ModelList, **ERRORS})
def list_models(request: HttpRequest) -> HttpResponse:
    """Every trained version, newest (the one in use) first."""
    return json_response({"items": [summary(m) for m in selectors.models()]})


@router.get("/scoring/models/{version}", response={200: ModelOut, **ERRORS})
def get_model(request: HttpRequest, version: Id) -> HttpResponse:
    return json_response(detail(selectors.get_model(version=version)))


@router.post("/scoring/models", response={201: ModelOut, **ERRORS})
def train_model(request: HttpRequest) -> HttpResponse:
    """Train the next version now (manage_scoring). Too few won or lost leads: 409
    `too_few_outcomes`, nothing written. Open leads get their new probability right after."""
    model = services.train_model(actor=actor(request))
    return json_response(detail(selectors.get_model(version=model.version)), status=201)


@router.get("/leads/{lead_id}/prediction", response={200: PredictionOut, **ERRORS})
def lead_prediction(request: HttpRequest, lead_id: Id) -> HttpResponse:
    """404 when the lead is not visible or has no prediction yet."""
    return json_response(
        prediction_dict(selectors.lead_prediction(user=actor(request), lead_id=lead_id))
    )
