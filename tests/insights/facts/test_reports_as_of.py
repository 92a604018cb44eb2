"""Every report as of a moment equals what it showed at that moment: computed through the
services, then later events (some about earlier times), then asked as of the moment."""

import time

import pytest
from django.utils import timezone

from truce.funnel import services as funnel
from truce.insights.reports.base import Query
from truce.insights.reports.runner import run_report
from truce.touches import services as touches

from .conftest import DAY, HOUR, T0

ASKED = [
    ("funnel", Query()),
    ("funnel", Query(by="source")),
    ("lost_reasons", Query(by="stage")),
    ("recycled", Query()),
    ("attribution", Query(options={"model": "linear", "value": "revenue"})),
    ("attribution", Query(options={"model": "w_shaped", "value": "leads"})),
    ("attribution", Query(options={"model": "full_path", "value": "revenue"})),
    ("attribution", Query(options={"model": "time_decay", "value": "revenue"})),
    ("touches_to_customer", Query(by="source")),
]


def _pause() -> None:
    time.sleep(0.002)  # a clock tick apart, so "recorded after the moment" is strict


def _as_of(query: Query, moment) -> Query:
    return Query(by=query.by, start=query.start, end=query.end, as_of=moment,
                 options=query.options)  # fmt: skip


@pytest.mark.parametrize(("name", "query"), ASKED, ids=[f"{n}-{q.by}" for n, q in ASKED])
def test_a_report_as_of_a_moment_is_what_it_showed_then(
    name, query, won_journey, winding_journey, make_lead, make_campaign, admin_user, rep, stage
):
    # given: the report as it stood at a moment
    shown = run_report(name, query).rows
    _pause()
    moment = timezone.now()
    _pause()
    # when: later events, some dated before the moment
    campaign = make_campaign(name="Late ads", channel="ads")
    later = make_lead("lead", source="ads", campaign=campaign, amount="300", created_at=T0)
    touches.record_touch(lead=later, kind="ad_click", actor=admin_user, occurred_at=T0 + HOUR,
                         campaign=campaign)  # fmt: skip
    funnel.move_lead(lead=later, stage=stage("mql"), actor=admin_user, occurred_at=T0 + DAY)
    funnel.set_outcome(lead=later, outcome="won", amount="300", actor=rep,
                       occurred_at=T0 + 3 * DAY)  # fmt: skip
    touches.record_touch(lead=won_journey, kind="webinar", actor=admin_user,
                         occurred_at=T0 + 2 * HOUR, campaign=campaign)  # fmt: skip
    funnel.reopen_lead(lead=winding_journey, actor=admin_user)
    now = run_report(name, query).rows

    # then: asked as of the moment, the report is what it showed; live, it has moved on
    assert run_report(name, _as_of(query, moment)).rows == shown
    assert now != shown
