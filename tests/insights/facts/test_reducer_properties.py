"""The reducer's one promise: applying events a few at a time to a row (which forgets touch
times) gives exactly what replaying the whole history gives, for any history: the same facts
row, and the same path once what each piece wrote is put together."""

import dataclasses
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from truce.insights.facts.reducer import LeadState, LedgerEvent, NeedsHistory, apply, path

from .conftest import T0

STAGES = {"lead": 1, "mql": 2, "sal": 3, "presenting": 4, "customer": 5}


class Refs:
    mql_position, opportunity_stage_id, won_stage_id = 2, 4, 5

    def stage_id(self, key):
        return STAGES.get(key) if key else None

    def position(self, stage_id):
        return stage_id

    def reason_id(self, kind, key):
        return {"price": 10, "not_ready": 11, "not_icp": 12}.get(key) if key else None

    def team(self, user_id):
        return "sales" if user_id else ""


def _touch(kind, campaign_id=None, channel=""):
    team = "sales" if kind == "call" else "marketing"
    return "touch.recorded", {"kind": kind, "team": team, "campaign_id": campaign_id,
                              "channel": channel}  # fmt: skip


STEPS = st.sampled_from([
    ("lead.stage_changed", {"to": "mql"}), ("lead.stage_changed", {"to": "sal"}),
    ("lead.stage_changed", {"to": "presenting"}), ("lead.stage_changed", {"to": "lead"}),
    ("lead.assigned", {"to": 7}), ("lead.accepted", {}), ("lead.rejected", {"reason": "not_icp"}),
    ("lead.outcome_set", {"outcome": "won", "stage": "presenting", "amount": "10.00"}),
    ("lead.outcome_set", {"outcome": "lost", "stage": "sal", "reason": "price"}),
    ("lead.outcome_set", {"outcome": "recycled", "stage": "mql", "reason": "not_ready"}),
    ("lead.reopened", {"stage": "sal"}), ("lead.qualified", {"definition_version": 3}),
    _touch("call"), _touch("webinar"), _touch("ad_click", 7, "ads"), _touch("email_open", 8),
    ("touch.updated", {}), ("touch.updated", {}), ("lead.scored", {}),
])  # fmt: skip


@st.composite
def histories(draw):
    steps = draw(st.lists(st.tuples(STEPS, st.integers(0, 200)), max_size=25))
    events = [LedgerEvent(1, "lead.created", T0, None, None, 1, {"stage": "lead"}, None)]
    touches = []
    for n, ((kind, payload), hours) in enumerate(steps, start=2):
        at = T0 + timedelta(hours=hours)
        subject = None
        if kind == "touch.recorded":
            subject = 100 + n
            touches.append(subject)
        if kind == "touch.updated":
            if not touches:
                continue
            subject = touches[draw(st.integers(0, len(touches) - 1))]
            payload = {"changes": draw(st.sampled_from([
                {"occurred_at": [None, at.isoformat()]}, {"campaign": [None, 9]},
                {"channel": ["", "events"], "note": ["", "moved"]}, {"collateral": ["", "deck"]},
            ]))}  # fmt: skip
        events.append(LedgerEvent(n, kind, at, None, None, 1, payload, subject))
    cuts = sorted(draw(st.sets(st.integers(1, len(events)), max_size=5)))
    return events, cuts


def _replay(events):
    state = LeadState(lead_id=1)
    for event in events:
        apply(state, event, Refs())
    return state


def _as_row(state):
    """What the live tables keep of a state: no touch times, nothing dirty."""
    visits = [dataclasses.replace(v, dirty=False) for v in state.visits]
    return dataclasses.replace(state, visits=visits, touch_kinds=dict(state.touch_kinds),
                               touch_times=None, appended=[])  # fmt: skip


def _written(stored, state):
    """The path rows after the writer saved `state` over `stored` (store.save_states)."""
    if state.touch_times is not None:
        return path(state)  # replayed: the whole path replaces the stored one
    return [*stored, *state.appended]


def _facts(state):
    values = dataclasses.asdict(state)
    values.pop("touch_times")
    values.pop("appended")
    values["visits"] = [(v["stage_id"], v["visit"], v["entered_at"], v["exited_at"])
                        for v in values["visits"]]  # fmt: skip
    return values


@settings(max_examples=300, deadline=None)
@given(histories())
def test_applying_in_pieces_equals_replaying_the_history(history):
    events, cuts = history
    state, done, stored = None, 0, []
    for end in [*cuts, len(events)]:
        state = _replay(events[:done]) if state is None else _as_row(state)
        try:
            for event in events[done:end]:
                apply(state, event, Refs())
        except NeedsHistory:
            state = _replay(events[:end])  # what the live path does: the whole history
        stored = _written(stored, state)
        done = end

    whole = _replay(events)
    assert _facts(state) == _facts(whole)
    assert stored == path(whole)
