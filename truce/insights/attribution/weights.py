"""The seven models as integer weights over one lead's path: a touch's credit is its weight
over the sum of the path's weights. Integers keep the SQL and this module exact and equal.

Positional models put a share (per mille) on milestone touches and spread `between` over the
other touches lying between the first touch and the last milestone present. Shares of
milestones that are missing, and `between` when no touch lies between, are left out and the
rest scaled up (a touch that is two milestones gets both shares): with integer weights that
scaling is just the division by the sum."""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from .journey import Conversion, Milestones, Touch, milestones

MODELS = (
    "first_touch",
    "last_touch",
    "linear",
    "u_shaped",
    "w_shaped",
    "full_path",
    "time_decay",
)
# Time decay's weights are 2 ** (SCALE_BITS - age / half-life), floored: the newest touch
# weighs 2 ** 20 and a touch 20 half-lives older still weighs 1.
SCALE_BITS = 20
DEFAULT_HALF_LIFE_DAYS = 7.0
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Positional:
    shares: tuple[tuple[str, int], ...]  # (milestone, per mille), in the order they happen
    between: int = 0  # per mille spread over the non-milestone touches between


POSITIONAL = {
    "first_touch": Positional((("first", 1),)),
    "last_touch": Positional((("last", 1),)),
    "u_shaped": Positional((("first", 400), ("lead_created", 400)), 200),
    "w_shaped": Positional((("first", 300), ("lead_created", 300), ("opportunity", 300)), 100),
    "full_path": Positional(
        (("first", 225), ("lead_created", 225), ("opportunity", 225), ("closed", 225)), 100
    ),
}


def weights(
    model: str,
    route: Sequence[Touch],
    conversion: Conversion,
    half_life_days: float = DEFAULT_HALF_LIFE_DAYS,
) -> list[int]:
    """Non-negative integer weights, one per touch of the (ordered) path; their sum is
    positive whenever the path is not empty."""
    if not route:
        return []
    if model == "linear":
        return [1] * len(route)
    if model == "time_decay":
        return decay_weights(route, half_life_days)
    return positional_weights(POSITIONAL[model], len(route), milestones(list(route), conversion))


def positional_weights(spec: Positional, n: int, marks: Milestones) -> list[int]:
    present = [(getattr(marks, name), share) for name, share in spec.shares]
    present = [(pos, share) for pos, share in present if pos is not None]
    share_at = [sum(s for pos, s in present if pos == i) for i in range(n)]
    top = max(pos for pos, _ in present)
    between = top + 1 - len({pos for pos, _ in present})  # touches between, not milestones
    scale = max(between, 1) if spec.between else 1
    return [
        share * scale + (spec.between if share == 0 and i < top else 0)
        for i, share in enumerate(share_at)
    ]


def epoch_seconds(moment: datetime) -> int:
    """Whole seconds since 1970 (the fraction dropped), as the SQL computes them."""
    return (moment - EPOCH) // timedelta(seconds=1)


def decay_weights(route: Sequence[Touch], half_life_days: float) -> list[int]:
    """2 ** (-age / half-life) with age counted back from the conversion; counting it back
    from the newest touch instead only multiplies every weight by the same factor."""
    seconds = [epoch_seconds(t.at) for t in route]
    newest = max(seconds)
    span = float(half_life_days) * 86400.0
    return [math.floor(2.0 ** (SCALE_BITS - (newest - s) / span)) for s in seconds]
