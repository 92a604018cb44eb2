"""The predictive model page: evaluation, threshold table, top features, versions, training."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from truce.errors import DomainError, NotFound
from truce.identity.permissions import can

from .models import PredictiveModel
from .predictive import selectors, services
from .predictive.api import detail


def _chosen(request: HttpRequest) -> PredictiveModel | None:
    version = request.GET.get("version", "")
    if not version:
        return selectors.latest_model()
    if not version.isdigit():
        raise Http404("A model version is a whole number.")
    try:
        return selectors.get_model(version=int(version))
    except NotFound as exc:
        raise Http404(exc.message) from None


def _chart(figures: dict[str, Any]) -> dict[str, Any]:
    rows = figures["calibration"]
    return {
        "labels": [f"{r['low']:.0%}–{r['high']:.0%}" for r in rows],
        "predicted": [r["mean_predicted"] for r in rows],
        "observed": [r["observed_rate"] for r in rows],
    }


def _page(
    request: HttpRequest, model: PredictiveModel | None, error: str = "", status: int = 200
) -> HttpResponse:
    figures = detail(model) if model else None
    context = {
        "model": model,
        "figures": figures,
        "chart": _chart(figures) if figures else None,
        "history": list(selectors.models()),
        "may_train": can(request.user, "manage_scoring"),
        "error": error,
        "nav": "model",
    }
    return render(request, "scoring/model.html", context, status=status)


@login_required
def model_page(request: HttpRequest) -> HttpResponse:
    return _page(request, _chosen(request))


@login_required
@require_POST
def train(request: HttpRequest) -> HttpResponse:
    try:
        model = services.train_model(actor=request.user)
    except DomainError as exc:
        return _page(request, selectors.latest_model(), error=exc.message, status=exc.status)
    messages.success(
        request, f"Model version {model.version} trained; open leads are being re-predicted."
    )
    return redirect("scoring:model")
