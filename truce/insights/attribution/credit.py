"""Splitting a lead's value, an integer number of units (cents of revenue, thousandths of a
lead), over its touches so the credits sum to exactly the value (cumulative rounding)."""

from collections.abc import Iterable, Sequence

from .journey import Conversion, Touch, path
from .weights import DEFAULT_HALF_LIFE_DAYS, weights


def split(units: int, weights: Sequence[int]) -> list[int]:
    """Touch i gets floor(units * C(i) / W) - floor(units * C(i-1) / W), C(i) the weights of
    the touches up to it and W their sum: each share is within one unit of its exact fraction,
    a touch without weight gets nothing, and the shares telescope to exactly `units`. The
    floor is computed as (units // W) * C + (units % W) * C // W, as the SQL does, so no
    product there outgrows W squared."""
    total = sum(weights)
    whole, part = divmod(units, total)
    shares, before, running = [], 0, 0
    for w in weights:
        running += w
        upto = whole * running + part * running // total
        shares.append(upto - before)
        before = upto
    return shares


def attribute(
    model: str,
    touches: Iterable[Touch],
    conversion: Conversion,
    units: int,
    half_life_days: float = DEFAULT_HALF_LIFE_DAYS,
) -> dict[int | None, int]:
    """{touch id: units} for the touches on the path; {None: units} when there is none (the
    report's "(no touch)")."""
    route = path(touches, conversion)
    if not route:
        return {None: units}
    shares = split(units, weights(model, route, conversion, half_life_days))
    return {t.id: s for t, s in zip(route, shares, strict=True)}
