"""One lead's marketing path to a conversion, and where its milestones fall on it.

Touches are ordered by when they occurred, then by id, so two touches at the same moment
always come in the order they were recorded. Positions are 0-based here (1-based in SQL)."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Touch:
    id: int
    at: datetime


@dataclass(frozen=True)
class Conversion:
    """The lead's facts the models read. `at` is the moment the credited value was earned
    (won, qualified, created…); `opportunity_at`/`won_at` count only if not after it.
    `creation_fallback` (the "leads" value): a lead with no touch up to its creation is
    credited to its first touch, because the touch that creates a lead (a form fill) is
    recorded just after the lead itself."""

    at: datetime
    created_at: datetime
    opportunity_at: datetime | None = None
    won_at: datetime | None = None
    creation_fallback: bool = False


@dataclass(frozen=True)
class Milestones:
    """Positions on the path; None when the milestone did not happen by the conversion or no
    touch came before it. Several milestones may share one touch."""

    first: int
    lead_created: int
    opportunity: int | None
    closed: int | None
    last: int


def ordered(touches: Iterable[Touch]) -> list[Touch]:
    return sorted(touches, key=lambda t: (t.at, t.id))


def path(touches: Iterable[Touch], conversion: Conversion) -> list[Touch]:
    """The touches that occurred up to the conversion, in order; empty when none did."""
    every = ordered(touches)
    before = [t for t in every if t.at <= conversion.at]
    if not before and conversion.creation_fallback:
        return every[:1]
    return before


def _last_up_to(route: list[Touch], moment: datetime) -> int | None:
    count = sum(1 for t in route if t.at <= moment)
    return count - 1 if count else None


def _reached(moment: datetime | None, conversion: Conversion) -> datetime | None:
    return moment if moment is not None and moment <= conversion.at else None


def milestones(route: list[Touch], conversion: Conversion) -> Milestones:
    """Lead creation: the last touch at or before the lead was created, else the first touch.
    Opportunity creation and customer close: the last touch at or before that moment."""
    created = _last_up_to(route, conversion.created_at)
    opportunity = _reached(conversion.opportunity_at, conversion)
    won = _reached(conversion.won_at, conversion)
    return Milestones(
        first=0,
        lead_created=0 if created is None else created,
        opportunity=None if opportunity is None else _last_up_to(route, opportunity),
        closed=None if won is None else _last_up_to(route, won),
        last=len(route) - 1,
    )
