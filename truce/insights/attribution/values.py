"""What a lead's credit is worth: won revenue in cents, or one lead, MQL, opportunity or
customer counted in thousandths so that a third of a lead is still a whole number of units."""

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Value:
    key: str
    label: str
    moment: str  # the facts column saying when the lead earned it (the conversion)
    units: str  # SQL over the facts row `f`: the lead's value in units
    unit: Decimal  # what one unit is worth when shown
    won_only: bool = False  # counts only while the lead's outcome is won
    creation_fallback: bool = False  # see journey.Conversion


COUNT_UNIT = Decimal("0.001")
UNITS_PER_COUNT = 1000

VALUES = {
    "revenue": Value(
        "revenue",
        "Won revenue",
        "won_at",
        "CAST(ROUND(COALESCE(f.amount, 0) * 100) AS BIGINT)",
        Decimal("0.01"),
        won_only=True,
    ),
    "leads": Value(
        "leads", "Leads", "created_at", str(UNITS_PER_COUNT), COUNT_UNIT, creation_fallback=True
    ),
    "mqls": Value("mqls", "MQLs", "qualified_at", str(UNITS_PER_COUNT), COUNT_UNIT),
    "opportunities": Value(
        "opportunities", "Opportunities", "opportunity_at", str(UNITS_PER_COUNT), COUNT_UNIT
    ),
    "customers": Value(
        "customers", "Customers", "won_at", str(UNITS_PER_COUNT), COUNT_UNIT, won_only=True
    ),
}


def shown(units: int, value: Value) -> Decimal:
    """Units as the amount or count they stand for, exactly (to the cent or the thousandth)."""
    return (Decimal(units) * value.unit).quantize(value.unit)
