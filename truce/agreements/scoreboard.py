"""The scoreboard: for a period, every commitment of the agreement in force with its target,
actual and pace, per team and per person, plus the black-hole list and the period's breaches.

Read only, and set-based: one aggregate query per marketing commitment and one for all the
time-bound commitments, each grouped by owner, so its cost does not grow with a loop over
leads. The definitions are in docs/explanation/scoreboard.md.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from truce.errors import DomainError, NotFound
from truce.funnel.models import Disposition, Lead, Outcome, Stage, StageVisit
from truce.identity.models import TeamKey
from truce.touches.models import Campaign

from .models import Agreement, Clock, ClockState, Commitment, CommitmentKind, Period
from .selectors import agreement_in_force

OPPORTUNITY_STAGE = "presenting"
COUNTS = {CommitmentKind.MQL_VOLUME, CommitmentKind.CAMPAIGN_COUNT}
TIME_BOUND = {
    CommitmentKind.FIRST_TOUCH,
    CommitmentKind.TOUCHES,
    CommitmentKind.DISPOSITION,
    CommitmentKind.OUTCOME,
}
BLACK_HOLE_KINDS = (CommitmentKind.DISPOSITION, CommitmentKind.FIRST_TOUCH)
# Count targets are per the commitment's period; scaled to the board's by these lengths.
WEEKS_IN = {Period.WEEK: Decimal(1), Period.MONTH: Decimal(52) / 12, Period.QUARTER: Decimal(13)}
LIST_LIMIT = 50
TENTH = Decimal("0.1")


class InvalidPeriod(DomainError):
    code = "invalid_period"
    status = 422


# Periods


@dataclass(frozen=True)
class BoardPeriod:
    kind: str  # week, month or quarter
    key: str  # 2026-W48, 2026-11, 2026-Q4
    label: str
    start: datetime  # inclusive, in the site's time zone
    end: datetime  # exclusive

    def elapsed_share(self, now: datetime) -> Decimal:
        """How much of the period has passed, from 0 to 1."""
        if now <= self.start:
            return Decimal(0)
        if now >= self.end:
            return Decimal(1)
        share = Decimal((now - self.start) / (self.end - self.start))
        return share.quantize(Decimal("0.0001"))

    def neighbours(self) -> tuple[str, str]:
        before = period_containing(self.kind, self.start - timedelta(days=1))
        after = period_containing(self.kind, self.end + timedelta(hours=1))
        return before.key, after.key


_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q(\d)$", re.IGNORECASE)
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$", re.IGNORECASE)
PERIOD_HELP = "a month (2026-11), a quarter (2026-Q4) or an ISO week (2026-W48)"


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day))


def _month(year: int, month: int) -> BoardPeriod:
    start = date(year, month, 1)
    end = date(year + month // 12, month % 12 + 1, 1)
    label = start.strftime("%B %Y")
    return BoardPeriod(Period.MONTH, f"{year}-{month:02d}", label, _midnight(start), _midnight(end))


def _quarter(year: int, quarter: int) -> BoardPeriod:
    first = _month(year, 3 * quarter - 2)
    last = _month(year, 3 * quarter)
    return BoardPeriod(
        Period.QUARTER, f"{year}-Q{quarter}", f"Q{quarter} {year}", first.start, last.end
    )


def _week(year: int, week: int) -> BoardPeriod:
    monday = date.fromisocalendar(year, week, 1)
    label = f"Week {week} of {year} (from {monday:%d %b})"
    start = _midnight(monday)
    return BoardPeriod(
        Period.WEEK, f"{year}-W{week:02d}", label, start, _midnight(monday + timedelta(days=7))
    )


def parse_period(text: str | None, *, now: datetime | None = None) -> BoardPeriod:
    """`2026-11`, `2026-Q4` or `2026-W48`; nothing means the current month."""
    text = (text or "").strip()
    if not text:
        return period_containing(Period.MONTH, now or timezone.now())
    try:
        if m := _MONTH.match(text):
            return _month(int(m[1]), int(m[2]))
        if m := _QUARTER.match(text):
            if not 1 <= int(m[2]) <= 4:
                raise ValueError
            return _quarter(int(m[1]), int(m[2]))
        if m := _WEEK.match(text):
            return _week(int(m[1]), int(m[2]))
    except ValueError:
        pass
    raise InvalidPeriod(f"{text[:40]!r} is not a period: give {PERIOD_HELP}.", field="period")


def period_containing(kind: str, moment: datetime) -> BoardPeriod:
    day = timezone.localtime(moment).date()
    if kind == Period.WEEK:
        year, week, _ = day.isocalendar()
        return _week(year, week)
    if kind == Period.QUARTER:
        return _quarter(day.year, (day.month - 1) // 3 + 1)
    return _month(day.year, day.month)


# Figures


@dataclass(frozen=True)
class Figure:
    """A count (no denominator) or a rate: numerator out of denominator, in percent."""

    numerator: int
    denominator: int | None = None

    @property
    def value(self) -> Decimal | None:
        if self.denominator is None:
            return Decimal(self.numerator)
        if self.denominator == 0:
            return None  # no data: a rate of nothing is not 0 %
        return (Decimal(100 * self.numerator) / self.denominator).quantize(TENTH, ROUND_HALF_UP)

    def __add__(self, other: "Figure") -> "Figure":
        if self.denominator is None:
            return Figure(self.numerator + other.numerator)
        return Figure(self.numerator + other.numerator, self.denominator + (other.denominator or 0))


@dataclass
class PersonScore:
    user_id: int | None
    name: str
    figure: Figure
    on_track: bool | None


@dataclass
class CommitmentScore:
    commitment: Commitment
    target: Decimal
    actual: Figure
    projected: Decimal | None
    on_track: bool | None
    people: list[PersonScore] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return self.commitment.kind

    @property
    def is_rate(self) -> bool:
        return self.commitment.kind not in COUNTS

    @property
    def split_by(self) -> str:
        return "owner" if self.commitment.kind in TIME_BOUND else "campaign owner"


@dataclass
class TeamScore:
    team: str
    label: str
    commitments: list[CommitmentScore]


@dataclass
class OverdueLead:
    lead: Lead
    owner: Any
    missing: list[str]
    due_at: datetime
    overdue: timedelta


@dataclass
class Scoreboard:
    period: BoardPeriod
    now: datetime
    elapsed: Decimal
    agreement: Agreement | None
    teams: list[TeamScore]
    black_hole: list[OverdueLead]
    black_hole_count: int
    breaches: list[Clock]
    breach_count: int


# Aggregates: each returns {owner id or None: Figure}


def _scope(commitment: Commitment) -> Q:
    scope = Q()
    if commitment.product_line:
        scope &= Q(product_line=commitment.product_line)
    if commitment.segment:
        scope &= Q(facts__segment=commitment.segment)
    return scope


def _lead_scope(commitment: Commitment) -> QuerySet[Lead]:
    return Lead.objects.order_by().filter(_scope(commitment))


def _qualified(commitment: Commitment, period: BoardPeriod) -> QuerySet[Lead]:
    return _lead_scope(commitment).filter(
        qualified_at__gte=period.start, qualified_at__lt=period.end
    )


def _disposed(commitment: Commitment, period: BoardPeriod) -> QuerySet[Lead]:
    return _lead_scope(commitment).filter(
        disposition_at__gte=period.start,
        disposition_at__lt=period.end,
        disposition__in=[Disposition.ACCEPTED, Disposition.REJECTED],
    )


def _reached_opportunity() -> Exists:
    """The lead entered the opportunity stage at or after the qualification being counted (a
    recycled lead's earlier opportunity does not count for its new MQL)."""
    stage = Subquery(Stage.objects.filter(key=OPPORTUNITY_STAGE).values("pk")[:1])
    return Exists(
        StageVisit.objects.filter(
            lead_id=OuterRef("pk"), stage_id=stage, entered_at__gte=OuterRef("qualified_at")
        )
    )


def _campaigns(commitment: Commitment, period: BoardPeriod) -> QuerySet[Campaign]:
    qs = Campaign.objects.order_by().filter(
        starts_on__gte=period.start.date(), starts_on__lt=period.end.date()
    )
    if commitment.product_line:
        qs = qs.filter(product_line=commitment.product_line)
    return qs


QUALIFIED_BASED = {CommitmentKind.MQL_VOLUME, CommitmentKind.OPPORTUNITY_RATE}
LEAD_BASED = QUALIFIED_BASED | {CommitmentKind.ACCEPTANCE_RATE}


def _by_campaign(
    leads: QuerySet[Lead], commitments: list[Commitment], hit: Q | None
) -> list[dict[str, Any]]:
    """Per campaign, each commitment's count (`n<pk>`) and, for rates, hits (`h<pk>`). The
    period's window comes first in `leads` so one index range feeds every count."""
    counts: dict[str, Count] = {}
    for c in commitments:
        scope = _scope(c)
        counts[f"n{c.pk}"] = Count("pk", filter=scope or None)
        if c.kind != CommitmentKind.MQL_VOLUME and hit is not None:
            counts[f"h{c.pk}"] = Count("pk", filter=scope & hit)
    rows = leads.values("campaign_id").annotate(**counts)
    return list(cast(Iterable[dict[str, Any]], rows))


def lead_figures(
    commitments: list[Commitment], period: BoardPeriod
) -> dict[int, dict[int | None, Figure]]:
    """The lead-based marketing commitments, by the owner of the lead's campaign: one query over
    the period's MQLs (volume, opportunity rate) and one over its dispositions (acceptance
    rate), each an index range grouped by campaign."""
    result: dict[int, dict[int | None, Figure]] = {c.pk: {} for c in commitments}
    qualified = [c for c in commitments if c.kind in QUALIFIED_BASED]
    disposed = [c for c in commitments if c.kind == CommitmentKind.ACCEPTANCE_RATE]
    rows: list[tuple[list[Commitment], dict[str, Any]]] = []
    if qualified:
        opportunity = any(c.kind == CommitmentKind.OPPORTUNITY_RATE for c in qualified)
        hit = Q(_reached_opportunity()) if opportunity else None
        leads = Lead.objects.order_by().filter(
            qualified_at__gte=period.start, qualified_at__lt=period.end
        )
        rows += [(qualified, row) for row in _by_campaign(leads, qualified, hit)]
    if disposed:
        leads = Lead.objects.order_by().filter(
            disposition_at__gte=period.start,
            disposition_at__lt=period.end,
            disposition__in=[Disposition.ACCEPTED, Disposition.REJECTED],
        )
        hit = Q(disposition=Disposition.ACCEPTED)
        rows += [(disposed, row) for row in _by_campaign(leads, disposed, hit)]
    if not rows:
        return result
    owner_of = dict(Campaign.objects.values_list("pk", "owner_id"))
    for group, row in rows:
        owner = owner_of.get(row["campaign_id"])
        for c in group:
            n = row[f"n{c.pk}"]
            if n:
                hits = row.get(f"h{c.pk}")
                figure = Figure(n) if hits is None else Figure(hits, n)
                by_owner = result[c.pk]
                by_owner[owner] = by_owner[owner] + figure if owner in by_owner else figure
    return result


def campaign_figures(commitment: Commitment, period: BoardPeriod) -> dict[int | None, Figure]:
    rows = _campaigns(commitment, period).values("owner_id").annotate(n=Count("pk"))
    return {r["owner_id"]: Figure(r["n"]) for r in rows}


def _settled_clocks(period: BoardPeriod) -> QuerySet[Clock]:
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
        _settled_clocks(period)
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


def _teams(agreement: Agreement | None, period: BoardPeriod, elapsed: Decimal) -> list[TeamScore]:
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


# Lists


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


# The board


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
        teams=_teams(agreement, period, elapsed),
        black_hole=hole,
        black_hole_count=hole_count,
        breaches=breached,
        breach_count=breach_count,
    )


# The leads behind a figure


def leads_behind(
    *, commitment: Commitment, period: BoardPeriod, owner: str = "", part: str = ""
) -> QuerySet[Lead]:
    """The leads a figure counts. owner: a user id, "none" or "" for everyone; part: "hit"
    (accepted, reached an opportunity, clock met), "miss" or "" for the whole denominator."""
    kind = commitment.kind
    if kind in TIME_BOUND:
        clocks = _settled_clocks(period).filter(commitment=commitment)
        clocks = _owner_filter(clocks, "owner_id", owner)
        if part:
            state = ClockState.MET if part == "hit" else ClockState.BREACHED
            clocks = clocks.filter(state=state)
        return Lead.objects.filter(pk__in=clocks.values("lead_id"))
    if kind == CommitmentKind.CAMPAIGN_COUNT:
        campaigns = _owner_filter(_campaigns(commitment, period), "owner_id", owner)
        return Lead.objects.filter(campaign__in=campaigns.values("pk"))
    qs = (
        _disposed(commitment, period)
        if kind == CommitmentKind.ACCEPTANCE_RATE
        else _qualified(commitment, period)
    )
    qs = _owner_filter(qs, "campaign__owner_id", owner)
    if part and kind == CommitmentKind.ACCEPTANCE_RATE:
        hit = Q(disposition=Disposition.ACCEPTED)
        qs = qs.filter(hit) if part == "hit" else qs.exclude(hit)
    elif part and kind == CommitmentKind.OPPORTUNITY_RATE:
        qs = (
            qs.filter(_reached_opportunity())
            if part == "hit"
            else qs.exclude(_reached_opportunity())
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


# One plain shape for the API, the CLI and the digest


def _number(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def _figure_data(figure: Figure) -> dict[str, Any]:
    return {
        "value": _number(figure.value),
        "numerator": figure.numerator,
        "denominator": figure.denominator,
    }


def commitment_data(score: CommitmentScore) -> dict[str, Any]:
    c = score.commitment
    return {
        "id": c.pk,
        "kind": c.kind,
        "label": c.get_kind_display(),
        "team": c.team,
        "unit": "percent" if score.is_rate else "count",
        "product_line": c.product_line,
        "segment": c.segment,
        "target": _number(score.target),
        "actual": _figure_data(score.actual),
        "projected": _number(score.projected),
        "on_track": score.on_track,
        "split_by": score.split_by,
        "people": [
            {
                "user_id": p.user_id,
                "name": p.name,
                **_figure_data(p.figure),
                "on_track": p.on_track,
            }
            for p in score.people
        ],
    }


def board_data(board: Scoreboard) -> dict[str, Any]:
    period, agreement = board.period, board.agreement
    return {
        "period": {
            "key": period.key,
            "kind": period.kind,
            "label": period.label,
            "start": period.start,
            "end": period.end,
            "elapsed_share": _number(board.elapsed),
        },
        "agreement": None
        if agreement is None
        else {"id": agreement.pk, "version": agreement.version, "title": agreement.title},
        "teams": [
            {
                "team": t.team,
                "label": t.label,
                "commitments": [commitment_data(s) for s in t.commitments],
            }
            for t in board.teams
        ],
        "black_hole": {
            "count": board.black_hole_count,
            "items": [
                {
                    "lead_id": row.lead.pk,
                    "lead": str(row.lead.contact),
                    "owner": row.owner.username if row.owner else None,
                    "missing": row.missing,
                    "due_at": row.due_at,
                    "overdue_seconds": int(row.overdue.total_seconds()),
                }
                for row in board.black_hole
            ],
        },
        "breaches": {
            "count": board.breach_count,
            "items": [
                {
                    "clock_id": clock.pk,
                    "lead_id": clock.lead_id,
                    "lead": str(clock.lead.contact),
                    "owner": clock.owner.username if clock.owner else None,
                    "commitment": clock.commitment.kind,
                    "due_at": clock.due_at,
                    "breached_at": clock.breached_at,
                }
                for clock in board.breaches
            ],
        },
    }


CSV_FIELDS = [
    "team",
    "commitment",
    "unit",
    "person",
    "target",
    "actual",
    "numerator",
    "denominator",
    "projected",
    "on_track",
]


def flat_rows(board: Scoreboard) -> list[dict[str, Any]]:
    """One row per commitment and per person, for CSV and plain text."""
    rows = []
    for team in board.teams:
        for score in team.commitments:
            data = commitment_data(score)
            base = {"team": team.team, "commitment": data["kind"], "unit": data["unit"]}
            rows.append(
                {
                    **base,
                    "person": "",
                    "target": data["target"],
                    "actual": data["actual"]["value"],
                    "numerator": data["actual"]["numerator"],
                    "denominator": data["actual"]["denominator"],
                    "projected": data["projected"],
                    "on_track": data["on_track"],
                }
            )
            for p in data["people"]:
                rows.append(
                    {
                        **base,
                        "person": p["name"] or "(none)",
                        "target": data["target"] if score.is_rate else None,
                        "actual": p["value"],
                        "numerator": p["numerator"],
                        "denominator": p["denominator"],
                        "projected": None,
                        "on_track": p["on_track"],
                    }
                )
    return rows


def describe_overdue(overdue: timedelta) -> str:
    """`2 d 3 h`, `5 h 10 min`, `40 min`: wall-clock time since the clock fell due."""
    minutes = max(int(overdue.total_seconds() // 60), 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min"


PACE_WORDS = {True: "on track", False: "behind", None: "no data"}


def _cell(value: str | None, unit: str) -> str:
    if value is None:
        return "no data" if unit == "percent" else "-"
    return f"{value} %" if unit == "percent" else value


def text_rows(board: Scoreboard) -> list[list[str]]:
    """The scoreboard as rows of plain-text cells, with a header row first."""
    lines = [["team", "commitment", "person", "target", "actual", "of", "projected", "pace"]]
    for row in flat_rows(board):
        unit = row["unit"]
        person = row["person"]
        lines.append(
            [
                "" if person else row["team"],
                "" if person else row["commitment"],
                person,
                "" if row["target"] is None else _cell(row["target"], unit),
                _cell(row["actual"], unit),
                "" if row["denominator"] is None else f"{row['numerator']}/{row['denominator']}",
                row["projected"] or "",
                "" if person and unit == "count" else PACE_WORDS[row["on_track"]],
            ]
        )
    return lines


def text_table(board: Scoreboard) -> str:
    rows = text_rows(board)
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(r, widths, strict=True)).rstrip()
        for r in rows
    )


def text_summary(board: Scoreboard) -> str:
    """The heading, the table, the black hole and the breaches, as plain text."""
    period, agreement = board.period, board.agreement
    elapsed = (board.elapsed * 100).quantize(Decimal(1))
    lines = [f"Scoreboard for {period.label} ({period.key}), {elapsed} % of the period elapsed."]
    if agreement is None:
        lines.append("No signed agreement was in force during this period.")
    else:
        lines += [f"Agreement: {agreement.title} (v{agreement.version}).", "", text_table(board)]
    lines += ["", f"Black hole: {board.black_hole_count} lead(s) overdue with sales."]
    for row in board.black_hole:
        owner = row.owner.display_name if row.owner else "nobody"
        overdue = describe_overdue(row.overdue)
        missing = " and ".join(row.missing)
        lines.append(
            f"  - {row.lead.contact} (lead {row.lead.pk}), {owner}: no {missing}, {overdue} overdue"
        )
    lines += ["", f"Breaches in the period: {board.breach_count}."]
    for clock in board.breaches:
        owner = clock.owner.display_name if clock.owner else "nobody"
        lines.append(
            f"  - {clock.lead.contact} (lead {clock.lead_id}), {owner}: {clock.commitment.kind}"
        )
    return "\n".join(lines)
