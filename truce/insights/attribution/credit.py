"""Splitting a lead's value, an integer number of units (cents of revenue, thousandths of a
lead), over its touches so the credits sum to exactly the value (largest remainder)."""

from collections.abc import Iterable, Sequence

from .journey import Conversion, Touch, path
from .weights import DEFAULT_HALF_LIFE_DAYS, weights


def split(units: int, weights: Sequence[int]) -> list[int]:
    """Each touch gets floor(units * w / W); the units left over go one each to the touches
    with the largest remainders, the earlier touch first on equal remainders. The floor is
    computed as (units // W) * w + (units % W) * w // W so no product outgrows 64 bits."""
    total = sum(weights)
    whole, part = divmod(units, total)
    base = [whole * w + part * w // total for w in weights]
    remainder = [part * w % total for w in weights]
    left = units - sum(base)
    for i in sorted(range(len(weights)), key=lambda i: (-remainder[i], i))[:left]:
        base[i] += 1
    return base


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
