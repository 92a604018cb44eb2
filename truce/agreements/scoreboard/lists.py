"""The lists: the black hole, the breaches of a period, and the leads behind each figure."""

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Q, QuerySet

from truce.errors import DomainError, NotFound
from truce.funnel.models import Disposition, Lead, Outcome

from ..models import Clock, ClockState, Commitment, CommitmentKind
from .figures import campaigns_in, disposed_in, qualified_in, reached_opportunity, settled_clocks
from .periods import BoardPeriod
from .shapes import BLACK_HOLE_KINDS, LIST_LIMIT, TIME_BOUND, OverdueLead


def black_hole_clocks() -> QuerySet[Clock]:
    """Breached disposition and first-touch clocks nothing has satisfied yet, on open leads
    still with sales."""
    return Clock.objects.filter(
        commitment__kind__in=BLACK_HOLE_KINDS,
        state=ClockState.BREACHED,
        stopped_at__isnull=True,
        lead__outcome=Outcome.OPEN,
        lead__owner__isnull=False,
    )


def black_hole(*, now: datetime, limit: int = LIST_LIMIT) -> tuple[list[OverdueLead], int]:
    """The most overdue leads first, one row per lead, and how many leads there are."""
    total = black_hole_clocks().aggregate(n=Count("lead_id", distinct=True))["n"]
    clocks = (
        black_hole_clocks()
        .select_related("lead__contact", "lead__owner", "commitment")
        .order_by("due_at", "pk")[: limit * len(BLACK_HOLE_KINDS)]
    )
    rows: dict[int, OverdueLead] = {}
    for clock in clocks:
        row = rows.get(clock.lead_id)
        label = (
            "disposition" if clock.commitment.kind == CommitmentKind.DISPOSITION else "first touch"
        )
        if row is None:
            rows[clock.lead_id] = OverdueLead(
                clock.lead, clock.lead.owner, [label], clock.due_at, now - clock.due_at
            )
        else:
            row.missing.append(label)
    return list(rows.values())[:limit], total


def breaches(period: BoardPeriod, *, limit: int = LIST_LIMIT) -> tuple[list[Clock], int]:
    qs = Clock.objects.filter(breached_at__gte=period.start, breached_at__lt=period.end)
    rows = qs.select_related("lead__contact", "owner", "commitment").order_by("-breached_at", "-pk")
    return list(rows[:limit]), qs.count()


# The leads behind a figure


def leads_behind(
    *, commitment: Commitment, period: BoardPeriod, owner: str = "", part: str = ""
) -> QuerySet[Lead]:
    """The leads a figure counts. owner: a user id, "none" or "" for everyone; part: "hit"
    (accepted, reached an opportunity, clock met), "miss" or "" for the whole denominator."""
    kind = commitment.kind
    if kind in TIME_BOUND:
        clocks = settled_clocks(period).filter(commitment=commitment)
        clocks = _owner_filter(clocks, "owner_id", owner)
        if part:
            state = ClockState.MET if part == "hit" else ClockState.BREACHED
            clocks = clocks.filter(state=state)
        return Lead.objects.filter(pk__in=clocks.values("lead_id"))
    if kind == CommitmentKind.CAMPAIGN_COUNT:
        campaigns = _owner_filter(campaigns_in(commitment, period), "owner_id", owner)
        return Lead.objects.filter(campaign__in=campaigns.values("pk"))
    qs = (
        disposed_in(commitment, period)
        if kind == CommitmentKind.ACCEPTANCE_RATE
        else qualified_in(commitment, period)
    )
    qs = _owner_filter(qs, "campaign__owner_id", owner)
    if part and kind == CommitmentKind.ACCEPTANCE_RATE:
        hit = Q(disposition=Disposition.ACCEPTED)
        qs = qs.filter(hit) if part == "hit" else qs.exclude(hit)
    elif part and kind == CommitmentKind.OPPORTUNITY_RATE:
        qs = (
            qs.filter(reached_opportunity()) if part == "hit" else qs.exclude(reached_opportunity())
        )
    return qs


def _owner_filter(qs: QuerySet[Any], column: str, owner: str) -> QuerySet[Any]:
    if owner == "none":
        return qs.filter(**{f"{column}__isnull": True})
    if owner:
        if not owner.isdigit():
            raise DomainError(f"{owner[:40]!r} is not a user id.", field="owner")
        return qs.filter(**{column: int(owner)})
    return qs


def leads_query(
    *, period: BoardPeriod, commitment: Commitment, owner: int | str | None = "", part: str = ""
) -> str:
    """The query string of the lead list behind a figure."""
    params: dict[str, Any] = {"period": period.key, "commitment": commitment.pk}
    if owner is None:
        params["owner"] = "none"
    elif owner != "":
        params["owner"] = owner
    if part:
        params["part"] = part
    return urlencode(params)


def get_commitment(*, commitment_id: int) -> Commitment:
    commitment = Commitment.objects.filter(pk=commitment_id).first()
    if commitment is None:
        raise NotFound(f"No commitment with id {commitment_id}.", field="commitment")
    return commitment
