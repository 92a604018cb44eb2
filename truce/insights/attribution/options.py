"""The attribution report's choices, read from a Query and refused with the field at fault."""

import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from truce.errors import DomainError

from ..errors import InvalidReportQuery
from .values import VALUES, Value
from .weights import DEFAULT_HALF_LIFE_DAYS, MODELS

BY = ("campaign", "channel")
MAX_HALF_LIFE_DAYS = 3650


@dataclass(frozen=True)
class Choice:
    model: str
    value: Value
    half_life_days: float
    by: str


def refuse(message: str, field: str) -> DomainError:
    return InvalidReportQuery(message, field=field)


def choose(options: dict[str, Any], by: str | None) -> Choice:
    model = str(options.get("model") or "linear")
    if model not in MODELS:
        raise refuse(f"{model!r} is not a model; choose one of {', '.join(MODELS)}.", "model")
    value = str(options.get("value") or "revenue")
    if value not in VALUES:
        raise refuse(f"{value!r} is not a value; choose one of {', '.join(VALUES)}.", "value")
    if by not in (None, "", *BY):
        raise refuse(f"Attribution groups by campaign or channel, not {by!r}.", "by")
    return Choice(model, VALUES[value], half_life(options.get("half_life_days")), by or "campaign")


def half_life(raw: Any) -> float:
    if raw is None or raw == "":
        return DEFAULT_HALF_LIFE_DAYS
    try:
        days = Decimal(str(raw).strip())
    except InvalidOperation:
        raise refuse(f"{raw!r} is not a number of days.", "half_life_days") from None
    if not days.is_finite() or not 0 < days <= MAX_HALF_LIFE_DAYS:
        raise refuse(
            f"The half-life must be more than 0 and at most {MAX_HALF_LIFE_DAYS} days.",
            "half_life_days",
        )
    result = float(days)
    assert math.isfinite(result)
    return result
