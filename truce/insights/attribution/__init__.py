"""Attribution: how much of each lead's value (won revenue, or one lead, MQL, opportunity or
customer) each of its marketing touches earned, under seven models.

The models are pure functions over one lead's ordered touches (journey.py, weights.py,
credit.py) and the same arithmetic as set-based SQL over every lead at once (query.py); the
tests hold the two to the same totals. Definitions with formulas: docs/explanation/attribution.md.
"""

from .credit import attribute, split
from .journey import Conversion, Milestones, Touch, milestones, path
from .weights import MODELS, weights

__all__ = [
    "MODELS",
    "Conversion",
    "Milestones",
    "Touch",
    "attribute",
    "milestones",
    "path",
    "split",
    "weights",
]
