"""The scoreboard for a period: the agreement in force, its teams' scores and the lists."""

from datetime import datetime, timedelta

from django.utils import timezone

from ..models import Agreement
from ..selectors import agreement_in_force
from .figures import team_scores
from .lists import black_hole, breaches
from .periods import BoardPeriod
from .shapes import Scoreboard


def agreement_for(period: BoardPeriod, now: datetime) -> Agreement | None:
    """The version in force at the end of the period (or now, for the current period)."""
    at = max(min(period.end - timedelta(microseconds=1), now), period.start)
    return agreement_in_force(at=at)


def scoreboard(*, period: BoardPeriod, now: datetime | None = None) -> Scoreboard:
    now = now or timezone.now()
    elapsed = period.elapsed_share(now)
    agreement = agreement_for(period, now)
    hole, hole_count = black_hole(now=now)
    breached, breach_count = breaches(period)
    return Scoreboard(
        period=period,
        now=now,
        elapsed=elapsed,
        agreement=agreement,
        teams=team_scores(agreement, period, elapsed),
        black_hole=hole,
        black_hole_count=hole_count,
        breaches=breached,
        breach_count=breach_count,
    )
