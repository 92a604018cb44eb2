"""The reducer: one ledger event applied to one lead's facts. Pure: it reads only the event and
reference data whose meaning never changes (stage and reason ids by key, an owner's team).

Live maintenance, the rebuild and as-of all go through `apply`, so they cannot disagree.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple, Protocol

OPEN, WON, RECYCLED = "open", "won", "recycled"
SALES = "sales"
SALES_KINDS = frozenset({"call", "email", "meeting", "demo"})


class LedgerEvent(NamedTuple):
    """What the reducer reads of an event. `subject_id` is the touch of a touch event (required
    there: the path is kept by touch)."""

    seq: int
    kind: str
    occurred_at: datetime
    recorded_at: datetime | None
    actor_id: int | None
    lead_id: int
    payload: dict[str, Any]
    subject_id: int | None = None


class NeedsHistory(Exception):
    """The event needs every touch of the lead (a touch moved in time or to another campaign,
    a marketing touch recorded before touches already known as later, a milestone before
    touches already recorded as later) and the state was loaded without them: the caller
    replays the lead from its ledger history instead."""


class Seen(NamedTuple):
    """What the facts keep of one touch while the whole history is known."""

    at: datetime
    team: str
    campaign_id: int | None = None
    channel: str = ""


class PathTouch(NamedTuple):
    """A TouchFacts row: a marketing touch at its place on the lead's path."""

    touch_id: int
    position: int
    at: datetime
    campaign_id: int | None
    channel: str


class References(Protocol):
    def stage_id(self, key: str | None) -> int | None: ...
    def position(self, stage_id: int | None) -> int | None: ...
    def reason_id(self, kind: str, key: str | None) -> int | None: ...
    def team(self, user_id: int | None) -> str: ...

    @property
    def mql_position(self) -> int | None: ...
    @property
    def opportunity_stage_id(self) -> int | None: ...
    @property
    def won_stage_id(self) -> int | None: ...


@dataclass
class Visit:
    stage_id: int
    visit: int
    entered_at: datetime
    exited_at: datetime | None = None
    dirty: bool = True  # changed since loaded: the writer upserts only these


@dataclass
class LeadState:
    """A LeadFacts row (same names) and its StageFacts visits, while events are applied."""

    lead_id: int
    contact_id: int | None = None
    company_id: int | None = None
    created_at: datetime | None = None
    cohort: str = ""
    source: str = ""
    campaign_id: int | None = None
    owner_id: int | None = None
    team: str = ""
    product_line: str = ""
    stage_id: int | None = None
    stage_entered_at: datetime | None = None
    qualified_at: datetime | None = None
    qualified_by_version: int | None = None
    assigned_at: datetime | None = None
    disposition: str = ""
    disposition_reason_id: int | None = None
    disposition_at: datetime | None = None
    opportunity_at: datetime | None = None
    outcome: str = OPEN
    outcome_reason_id: int | None = None
    outcome_at: datetime | None = None
    outcome_stage_id: int | None = None
    amount: Decimal | None = None
    won_at: datetime | None = None
    recycled_count: int = 0
    recycled_at: datetime | None = None
    reopened_count: int = 0
    first_touch_at: datetime | None = None
    last_touch_at: datetime | None = None
    first_sales_touch_at: datetime | None = None
    touch_count: int = 0
    marketing_touch_count: int = 0
    sales_touch_count: int = 0
    touches_before_won: int | None = None
    touch_kinds: dict[str, int] = field(default_factory=dict)
    last_seq: int = 0
    stages_reached: int = 0
    marketing_by_created: int | None = None
    marketing_by_qualified: int | None = None
    marketing_by_opportunity: int | None = None
    marketing_by_won: int | None = None
    visits: list[Visit] = field(default_factory=list)
    # {touch id: Seen} when the state was built from the whole history (its path is then
    # known whole: path()); None when it was loaded from a facts row, which keeps only the
    # aggregates (the path then only grows at its end: `appended`).
    touch_times: dict[int, Seen] | None = field(default_factory=dict)
    appended: list[PathTouch] = field(default_factory=list)


def path(state: LeadState) -> list[PathTouch]:
    """The lead's marketing touches in (occurred_at, id) order, numbered from 1."""
    known = _touch_times(state)
    ordered = sorted((seen.at, touch_id, seen) for touch_id, seen in known.items()
                     if seen.team != SALES)  # fmt: skip
    return [
        PathTouch(touch_id, n, at, seen.campaign_id, seen.channel)
        for n, (at, touch_id, seen) in enumerate(ordered, start=1)
    ]


def apply(state: LeadState, event: LedgerEvent, refs: References) -> None:
    """Apply one event (events of a lead arrive in ledger order; older ones are skipped)."""
    if event.seq <= state.last_seq:
        return
    handler = HANDLERS.get(event.kind)
    if handler is not None:
        handler(state, event, refs)
    state.last_seq = event.seq


# Lead lifecycle.


def _created(state: LeadState, e: LedgerEvent, refs: References) -> None:
    p, at = e.payload, e.occurred_at
    state.created_at = at
    state.cohort = at.astimezone(UTC).strftime("%Y-%m")
    state.contact_id = p.get("contact_id")
    state.company_id = p.get("company_id")  # absent before company_id joined the payload
    state.source = p.get("source") or ""
    state.campaign_id = p.get("campaign_id")
    state.product_line = p.get("product_line") or ""
    state.amount = _money(p.get("amount"))
    state.marketing_by_created = _marketing_up_to(state, at)
    _set_owner(state, p.get("owner_id"), refs)
    stage_id = refs.stage_id(p.get("stage"))
    if stage_id is not None:
        _enter(state, stage_id, at, refs)
    # A lead that enters the funnel already handed over (an import at MQL or beyond) counts
    # as qualified when created, with no definition version.
    position, mql = refs.position(stage_id), refs.mql_position
    if position is not None and mql is not None and position >= mql and not state.qualified_at:
        _qualify(state, at)


def _updated(state: LeadState, e: LedgerEvent, refs: References) -> None:
    changes = e.payload.get("changes") or {}
    for name in ("source", "product_line"):
        if name in changes:
            setattr(state, name, changes[name][1] or "")
    for name in ("campaign", "campaign_id"):  # services say campaign, the import campaign_id
        if name in changes:
            state.campaign_id = changes[name][1]
    if "amount" in changes:
        state.amount = _money(changes["amount"][1])


def _assigned(state: LeadState, e: LedgerEvent, refs: References) -> None:
    owner = e.payload.get("to")
    _set_owner(state, owner, refs)
    if owner is not None:
        # A new assignment asks the owner afresh, as routing does with the lead's disposition.
        state.assigned_at = e.occurred_at
        state.disposition, state.disposition_reason_id, state.disposition_at = "", None, None


def _accepted(state: LeadState, e: LedgerEvent, refs: References) -> None:
    state.disposition, state.disposition_reason_id = "accepted", None
    state.disposition_at = e.occurred_at


def _rejected(state: LeadState, e: LedgerEvent, refs: References) -> None:
    state.disposition = "rejected"
    state.disposition_reason_id = refs.reason_id("rejected", e.payload.get("reason"))
    state.disposition_at = e.occurred_at
    _set_owner(state, None, refs)  # back to marketing: the stage move is its own event


def _stage_changed(state: LeadState, e: LedgerEvent, refs: References) -> None:
    stage_id = refs.stage_id(e.payload.get("to"))
    if stage_id is not None:
        _enter(state, stage_id, e.occurred_at, refs)


def _qualified(state: LeadState, e: LedgerEvent, refs: References) -> None:
    if state.qualified_at is None:
        _qualify(state, e.occurred_at)
        state.qualified_by_version = e.payload.get("definition_version")


def _qualify(state: LeadState, at: datetime) -> None:
    state.qualified_at = at
    state.marketing_by_qualified = _marketing_up_to(state, at)


def _outcome_set(state: LeadState, e: LedgerEvent, refs: References) -> None:
    p, at = e.payload, e.occurred_at
    outcome = p.get("outcome") or OPEN
    state.outcome, state.outcome_at = outcome, at
    state.outcome_stage_id = refs.stage_id(p.get("stage")) or state.stage_id
    if outcome == WON:
        _won(state, e, refs)
        return
    state.outcome_reason_id = refs.reason_id(outcome, p.get("reason"))
    if outcome == RECYCLED:
        state.recycled_count += 1
        state.recycled_at = at


def _won(state: LeadState, e: LedgerEvent, refs: References) -> None:
    at = e.occurred_at
    if "amount" in e.payload:
        state.amount = _money(e.payload["amount"])
    state.outcome_reason_id, state.won_at = None, at
    won_stage = refs.stage_id(e.payload.get("won_stage")) or refs.won_stage_id
    # The import writes the move to the won stage as its own event first; services do not.
    if won_stage is not None and state.stage_id != won_stage:
        _enter(state, won_stage, at, refs)
    if state.last_touch_at is None or state.last_touch_at <= at:
        state.touches_before_won = state.touch_count
    else:
        state.touches_before_won = sum(1 for t in _touch_times(state).values() if t.at <= at)
    state.marketing_by_won = _marketing_up_to(state, at)


def _reopened(state: LeadState, e: LedgerEvent, refs: References) -> None:
    state.outcome, state.outcome_reason_id, state.outcome_at = OPEN, None, None
    state.outcome_stage_id, state.won_at, state.touches_before_won = None, None, None
    state.marketing_by_won = None
    state.reopened_count += 1
    stage_id = refs.stage_id(e.payload.get("stage"))
    if stage_id is not None and stage_id != state.stage_id:
        _enter(state, stage_id, e.occurred_at, refs)  # a won lead goes back where it was won


def _contact_merged(state: LeadState, e: LedgerEvent, refs: References) -> None:
    state.contact_id = e.payload.get("to_contact_id")


def _company_merged(state: LeadState, e: LedgerEvent, refs: References) -> None:
    state.company_id = e.payload.get("to_company_id")


# Touches.


def _touch_recorded(state: LeadState, e: LedgerEvent, refs: References) -> None:
    p = e.payload
    kind = p.get("kind") or ""
    team = p.get("team") or (SALES if kind in SALES_KINDS else "marketing")
    at = e.occurred_at
    touch_id = e.subject_id
    if touch_id is None:
        raise ValueError(f"A touch of lead {state.lead_id} without its touch id.")
    if (
        team != SALES
        and state.touch_times is None
        and state.last_touch_at is not None
        and (at < state.last_touch_at)
    ):
        raise NeedsHistory(state.lead_id)  # it goes before touches on the path: renumber
    state.touch_count += 1
    if team == SALES:
        state.sales_touch_count += 1
    else:
        state.marketing_touch_count += 1
        _count_on_milestones(state, at)
    state.touch_kinds[kind] = state.touch_kinds.get(kind, 0) + 1
    _widen_touch_times(state, at, team)
    if state.won_at is not None and at <= state.won_at:
        state.touches_before_won = (state.touches_before_won or 0) + 1
    seen = Seen(at, team, p.get("campaign_id"), p.get("channel") or "")
    if state.touch_times is not None:
        state.touch_times[touch_id] = seen
    elif team != SALES:  # the newest so far (touch ids grow): it ends the path
        position = state.marketing_touch_count
        state.appended.append(PathTouch(touch_id, position, at, seen.campaign_id, seen.channel))


def _count_on_milestones(state: LeadState, at: datetime) -> None:
    """A marketing touch at `at` counts towards each milestone it did not come after."""
    for name in MILESTONES:
        moment = getattr(state, f"{name}_at")
        if moment is not None and at <= moment:
            column = f"marketing_by_{name}"
            setattr(state, column, (getattr(state, column) or 0) + 1)


def _marketing_up_to(state: LeadState, moment: datetime) -> int:
    if state.last_touch_at is None or state.last_touch_at <= moment:
        return state.marketing_touch_count
    return sum(1 for t in _touch_times(state).values() if t.team != SALES and t.at <= moment)


def _touch_updated(state: LeadState, e: LedgerEvent, refs: References) -> None:
    changes = e.payload.get("changes") or {}
    kept = {"occurred_at", "campaign", "channel"} & set(changes)
    if not kept or e.subject_id is None:
        return  # collateral or note: nothing the facts keep
    times = _touch_times(state)
    if e.subject_id not in times:
        return
    seen = times[e.subject_id]
    if "occurred_at" in changes:
        seen = seen._replace(at=_moment(changes["occurred_at"][1]))
    if "campaign" in changes:
        seen = seen._replace(campaign_id=changes["campaign"][1])
    if "channel" in changes:
        seen = seen._replace(channel=changes["channel"][1] or "")
    times[e.subject_id] = seen
    if "occurred_at" not in changes:
        return
    state.first_touch_at = state.last_touch_at = state.first_sales_touch_at = None
    for touch in times.values():
        _widen_touch_times(state, touch.at, touch.team)
    if state.won_at is not None:
        state.touches_before_won = sum(1 for t in times.values() if t.at <= state.won_at)
    for name in MILESTONES:
        moment = getattr(state, f"{name}_at")
        count = None if moment is None else _marketing_up_to(state, moment)
        setattr(state, f"marketing_by_{name}", count)


def _widen_touch_times(state: LeadState, at: datetime, team: str) -> None:
    if state.first_touch_at is None or at < state.first_touch_at:
        state.first_touch_at = at
    if state.last_touch_at is None or at > state.last_touch_at:
        state.last_touch_at = at
    if team == SALES and (state.first_sales_touch_at is None or at < state.first_sales_touch_at):
        state.first_sales_touch_at = at


def _touch_times(state: LeadState) -> dict[int, Seen]:
    if state.touch_times is None:
        raise NeedsHistory(state.lead_id)
    return state.touch_times


# Shared steps.

# The moments whose count of marketing touches up to them the facts keep (marketing_by_*).
MILESTONES = ("created", "qualified", "opportunity", "won")

MASKED_STAGES = 63  # stage ids 1..63 have a bit in a signed 64-bit stages_reached


def stage_bit(stage_id: int) -> int:
    """The stage's bit in `stages_reached`; 0 for an id beyond the mask (the funnel then
    counts from the visits instead)."""
    return 1 << (stage_id - 1) if 0 < stage_id <= MASKED_STAGES else 0


def whole_seconds(entered: datetime, exited: datetime | None) -> int | None:
    """Seconds of a stay rounded to the nearest, halves away from zero, as SQL's ROUND of the
    exact difference would: the duration the funnel's percentiles sort."""
    if exited is None:
        return None
    micro = (exited - entered) // timedelta(microseconds=1)
    whole, rest = divmod(abs(micro), 1_000_000)
    whole += rest >= 500_000
    return whole if micro >= 0 else -whole


def _enter(state: LeadState, stage_id: int, at: datetime, refs: References) -> None:
    """Close the open stay and open one in `stage_id`, as funnel's `_enter_stage` does."""
    for visit in state.visits:
        if visit.exited_at is None:
            visit.exited_at, visit.dirty = at, True
    number = 1 + sum(1 for v in state.visits if v.stage_id == stage_id)
    state.visits.append(Visit(stage_id=stage_id, visit=number, entered_at=at))
    state.stages_reached |= stage_bit(stage_id)
    state.stage_id, state.stage_entered_at = stage_id, at
    if stage_id == refs.opportunity_stage_id and state.opportunity_at is None:
        state.opportunity_at = at
        state.marketing_by_opportunity = _marketing_up_to(state, at)


def _set_owner(state: LeadState, owner_id: int | None, refs: References) -> None:
    state.owner_id = owner_id
    state.team = refs.team(owner_id) if owner_id is not None else ""


def _money(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    return Decimal(str(value)).quantize(Decimal("0.01"))


def _moment(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    moment = datetime.fromisoformat(str(value))
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


HANDLERS = {
    "lead.created": _created,
    "lead.updated": _updated,
    "lead.assigned": _assigned,
    "lead.accepted": _accepted,
    "lead.rejected": _rejected,
    "lead.stage_changed": _stage_changed,
    "lead.qualified": _qualified,
    "lead.outcome_set": _outcome_set,
    "lead.reopened": _reopened,
    "lead.contact_merged": _contact_merged,
    "lead.company_merged": _company_merged,
    "touch.recorded": _touch_recorded,
    "touch.updated": _touch_updated,
}
# Everything else about a lead (scored, routed, unroutable, reassigned — whose owner change
# is its own lead.assigned event) changes no fact.
REDUCED_KINDS = tuple(sorted(HANDLERS))
