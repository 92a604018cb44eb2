"""The figures: one aggregate query per kind of commitment, grouped by owner; targets and pace.
The definitions are in docs/explanation/scoreboard.md."""

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery

from truce.funnel.models import Disposition, Lead, Stage, StageVisit
from truce.identity.models import TeamKey
from truce.touches.models import Campaign

from ..models import Agreement, Clock, ClockState, Commitment, CommitmentKind, Period
from .periods import BoardPeriod
from .shapes import (
    COUNTS,
    OPPORTUNITY_STAGE,
    TENTH,
    TIME_BOUND,
    WEEKS_IN,
    CommitmentScore,
    Figure,
    PersonScore,
    TeamScore,
)

# Aggregates: each returns {owner id or None: Figure}


def _scope(commitment: Commitment, prefix: str = "") -> Q:
    scope = Q()
    if commitment.product_line:
        scope &= Q(**{f"{prefix}product_line": commitment.product_line})
    if commitment.segment:
        scope &= Q(**{f"{prefix}facts__segment": commitment.segment})
    return scope


def _lead_scope(commitment: Commitment) -> QuerySet[Lead]:
    return Lead.objects.order_by().filter(_scope(commitment))


def qualified_in(commitment: Commitment, period: BoardPeriod) -> QuerySet[Lead]:
    return _lead_scope(commitment).filter(
        qualified_at__gte=period.start, qualified_at__lt=period.end
    )


def disposed_in(commitment: Commitment, period: BoardPeriod) -> QuerySet[Lead]:
    return _lead_scope(commitment).filter(
        disposition_at__gte=period.start,
        disposition_at__lt=period.end,
        disposition__in=[Disposition.ACCEPTED, Disposition.REJECTED],
    )


def reached_opportunity() -> Exists:
    """The lead entered the opportunity stage at or after the qualification being counted (a
    recycled lead's earlier opportunity does not count for its new MQL)."""
    stage = Subquery(Stage.objects.filter(key=OPPORTUNITY_STAGE).values("pk")[:1])
    return Exists(
        StageVisit.objects.filter(
            lead_id=OuterRef("pk"), stage_id=stage, entered_at__gte=OuterRef("qualified_at")
        )
    )


def campaigns_in(commitment: Commitment, period: BoardPeriod) -> QuerySet[Campaign]:
    qs = Campaign.objects.order_by().filter(
        starts_on__gte=period.start.date(), starts_on__lt=period.end.date()
    )
    if commitment.product_line:
        qs = qs.filter(product_line=commitment.product_line)
    return qs


QUALIFIED_BASED = {CommitmentKind.MQL_VOLUME, CommitmentKind.OPPORTUNITY_RATE}
LEAD_BASED = QUALIFIED_BASED | {CommitmentKind.ACCEPTANCE_RATE}


def _by_campaign(
    leads: QuerySet[Lead], window: str, commitments: list[Commitment], hit: Q | None
) -> list[dict[str, Any]]:
    """Per campaign, each commitment's count (`n<pk>`) and, with `hit`, hits (`h<pk>`).
    Counting the window's own column (never null inside the window), not the id, keeps every
    column read in the index, so PostgreSQL answers with an index-only scan."""
    counts: dict[str, Count] = {}
    for c in commitments:
        scope = _scope(c)
        counts[f"n{c.pk}"] = Count(window, filter=scope or None)
        if hit is not None:
            counts[f"h{c.pk}"] = Count(window, filter=scope & hit)
    rows = leads.values("campaign_id").annotate(**counts)
    return list(cast(Iterable[dict[str, Any]], rows))


def _opportunities(commitments: list[Commitment], period: BoardPeriod) -> list[dict[str, Any]]:
    """Per campaign, the leads handed over in the period that entered the opportunity stage
    at or after their hand-over (`h<pk>`): read from the period's visits to that stage (few)
    rather than probing every MQL's visits."""
    counts = {
        f"h{c.pk}": Count("lead_id", distinct=True, filter=_scope(c, "lead__") or None)
        for c in commitments
    }
    visits = StageVisit.objects.order_by().filter(
        Q(entered_at__gte=F("lead__qualified_at")),
        stage__key=OPPORTUNITY_STAGE,  # a join, which planners size better than a subquery
        entered_at__gte=period.start,
        lead__qualified_at__gte=period.start,
        lead__qualified_at__lt=period.end,
    )
    rows = visits.values(campaign_id=F("lead__campaign_id")).annotate(**counts)
    return list(cast(Iterable[dict[str, Any]], rows))


def lead_figures(
    commitments: list[Commitment], period: BoardPeriod
) -> dict[int, dict[int | None, Figure]]:
    """The lead-based marketing commitments, by the owner of the lead's campaign: the period's
    MQLs (volume, and the opportunity rate's denominator), its MQLs that reached an
    opportunity, and its dispositions (acceptance rate); each an index range by campaign."""
    result: dict[int, dict[int | None, Figure]] = {c.pk: {} for c in commitments}
    qualified = [c for c in commitments if c.kind in QUALIFIED_BASED]
    rates = [c for c in qualified if c.kind == CommitmentKind.OPPORTUNITY_RATE]
    disposed = [c for c in commitments if c.kind == CommitmentKind.ACCEPTANCE_RATE]
    counts: dict[int | None, dict[str, int]] = {}
    if qualified:
        leads = Lead.objects.order_by().filter(
            qualified_at__gte=period.start, qualified_at__lt=period.end
        )
        _add(counts, _by_campaign(leads, "qualified_at", qualified, None))
    if rates:
        _add(counts, _opportunities(rates, period))
    if disposed:
        leads = Lead.objects.order_by().filter(
            disposition_at__gte=period.start,
            disposition_at__lt=period.end,
            disposition__in=[Disposition.ACCEPTED, Disposition.REJECTED],
        )
        hit = Q(disposition=Disposition.ACCEPTED)
        _add(counts, _by_campaign(leads, "disposition_at", disposed, hit))
    if not counts:
        return result
    owner_of = dict(Campaign.objects.values_list("pk", "owner_id"))
    for campaign, row in counts.items():
        owner = owner_of.get(campaign) if campaign is not None else None
        for c in commitments:
            n = row.get(f"n{c.pk}", 0)
            if n:
                figure = (
                    Figure(n)
                    if c.kind == CommitmentKind.MQL_VOLUME
                    else Figure(row.get(f"h{c.pk}", 0), n)
                )
                by_owner = result[c.pk]
                by_owner[owner] = by_owner[owner] + figure if owner in by_owner else figure
    return result


def _add(counts: dict[int | None, dict[str, int]], rows: list[dict[str, Any]]) -> None:
    for row in rows:
        into = counts.setdefault(row.pop("campaign_id"), {})
        for name, n in row.items():
            into[name] = into.get(name, 0) + n


def campaign_figures(commitment: Commitment, period: BoardPeriod) -> dict[int | None, Figure]:
    rows = campaigns_in(commitment, period).values("owner_id").annotate(n=Count("pk"))
    return {r["owner_id"]: Figure(r["n"]) for r in rows}


def settled_clocks(period: BoardPeriod) -> QuerySet[Clock]:
    return Clock.objects.order_by().filter(
        due_at__gte=period.start,
        due_at__lt=period.end,
        state__in=[ClockState.MET, ClockState.BREACHED],
    )


def clock_figures(
    commitments: list[Commitment], period: BoardPeriod
) -> dict[int, dict[int | None, Figure]]:
    """One aggregate query for every time-bound commitment: met / (met + breached) by owner."""
    result: dict[int, dict[int | None, Figure]] = {c.pk: {} for c in commitments}
    if not commitments:
        return result
    rows = (
        settled_clocks(period)
        .filter(commitment_id__in=list(result))
        .values("commitment_id", "owner_id")
        .annotate(met=Count("pk", filter=Q(state=ClockState.MET)), n=Count("pk"))
    )
    for r in rows:
        result[r["commitment_id"]][r["owner_id"]] = Figure(r["met"], r["n"])
    return result


# Targets and pace


def board_target(commitment: Commitment, period: BoardPeriod) -> Decimal:
    """Rates keep their percentage; counts scale to the board's period; `touches` is a count
    of touches per lead, so its share target is every clock met (100 %)."""
    if commitment.kind == CommitmentKind.TOUCHES:
        return Decimal(100)
    if commitment.kind not in COUNTS:
        return commitment.target
    scale = WEEKS_IN[Period(period.kind)] / WEEKS_IN[Period(commitment.period)]
    return (commitment.target * scale).quantize(TENTH, ROUND_HALF_UP)


def _reaches(value: Decimal | None, target: Decimal) -> bool | None:
    return None if value is None else value >= target


def pace(actual: Figure, target: Decimal, elapsed: Decimal) -> tuple[Decimal | None, bool | None]:
    """(projected end-of-period value, on track). Counts project linearly; rates are judged
    as they stand."""
    if actual.denominator is not None:
        return None, _reaches(actual.value, target)
    if elapsed == 0:
        return None, None
    projected = (Decimal(actual.numerator) / elapsed).quantize(TENTH, ROUND_HALF_UP)
    return projected, projected >= target


def _score(
    commitment: Commitment,
    period: BoardPeriod,
    elapsed: Decimal,
    by_owner: dict[int | None, Figure],
    names: dict[int, str],
) -> CommitmentScore:
    target = board_target(commitment, period)
    empty = Figure(0) if commitment.kind in COUNTS else Figure(0, 0)
    actual = sum(by_owner.values(), empty)
    projected, on_track = pace(actual, target, elapsed)
    people = [
        PersonScore(
            user_id=owner,
            name=names.get(owner, "") if owner is not None else "",
            figure=figure,
            on_track=_reaches(figure.value, target) if figure.denominator is not None else None,
        )
        for owner, figure in by_owner.items()
    ]
    people.sort(key=lambda p: (p.user_id is None, p.name.lower()))
    return CommitmentScore(commitment, target, actual, projected, on_track, people)


def _names(owner_ids: set[int]) -> dict[int, str]:
    if not owner_ids:
        return {}
    users = (
        get_user_model()
        .objects.filter(pk__in=owner_ids)
        .only("username", "first_name", "last_name")
    )
    return {u.pk: u.display_name for u in users}


def team_scores(
    agreement: Agreement | None, period: BoardPeriod, elapsed: Decimal
) -> list[TeamScore]:
    if agreement is None:
        return []
    commitments = list(agreement.commitments.all())
    figures = clock_figures([c for c in commitments if c.kind in TIME_BOUND], period)
    figures.update(lead_figures([c for c in commitments if c.kind in LEAD_BASED], period))
    for c in commitments:
        if c.kind == CommitmentKind.CAMPAIGN_COUNT:
            figures[c.pk] = campaign_figures(c, period)
    names = _names({o for by_owner in figures.values() for o in by_owner if o is not None})
    teams = []
    for key, label in TeamKey.choices:
        scores = [
            _score(c, period, elapsed, figures[c.pk], names) for c in commitments if c.team == key
        ]
        if scores:
            teams.append(TeamScore(key, label, scores))
    return teams
