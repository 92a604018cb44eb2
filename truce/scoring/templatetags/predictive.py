"""The lead's win probability on the lead page, and percentages for the model page."""

from typing import Any

from django import template

from truce.scoring.predictive import selectors

register = template.Library()


@register.inclusion_tag("scoring/partials/lead_prediction.html")
def lead_prediction(lead: Any) -> dict[str, Any]:
    return {"lead": lead, "prediction": selectors.prediction_for(lead=lead)}


@register.filter
def percent(value: float | None, digits: int = 0) -> str:
    """0.4567 → "46 %" (or "45.7 %" with 1 digit); nothing to show → "—"."""
    if value is None:
        return "—"
    return f"{value * 100:.{digits}f} %"
