"""As of a moment: the facts replayed from the events recorded up to it equal the live facts
as they stood then, whatever was recorded afterwards (even about earlier times)."""

import time

from django.utils import timezone

from truce.funnel import services as funnel
from truce.insights.facts.source import facts_as_of
from truce.ledger.models import Event
from truce.touches import services as touches

from .conftest import DAY, HOUR, T0


def _pause() -> None:
    time.sleep(0.002)  # a clock tick apart, so "recorded after the moment" is strict


def test_as_of_a_moment_equals_the_facts_then(won_journey, make_lead, rep, admin_user, stage,
                                              facts_rows):  # fmt: skip
    # given: facts as they stood at a moment
    other = make_lead("lead", created_at=T0 + DAY)
    touches.record_touch(lead=other, kind="form_fill", actor=admin_user, occurred_at=T0 + DAY)
    _pause()
    moment = timezone.now()
    then = facts_rows()
    _pause()
    # when: later events, some about earlier times
    touches.record_touch(lead=other, kind="webinar", actor=admin_user, occurred_at=T0 + HOUR)
    funnel.move_lead(lead=other, stage=stage("mql"), actor=admin_user, occurred_at=T0 + 2 * DAY)
    funnel.set_outcome(lead=other, outcome="lost", reason="price", actor=admin_user)
    funnel.reopen_lead(lead=won_journey, actor=rep)
    make_lead("lead", created_at=T0)  # a lead created later, back-dated
    assert Event.objects.filter(recorded_at__gt=moment).count() >= 5
    assert facts_rows() != then

    # then
    with facts_as_of(moment) as source:
        assert source.as_of == moment
        assert facts_rows(source) == then
    now = facts_rows()
    with facts_as_of(timezone.now()) as source:
        assert facts_rows(source) == now


def test_as_of_before_anything_happened_is_empty(won_journey, facts_rows):
    with facts_as_of(T0 - DAY) as source:
        assert facts_rows(source) == {"lead": [], "stage": [], "touch": []}


def test_the_temporary_tables_are_gone_after_use(won_journey, facts_rows):
    from django.db import connection

    with facts_as_of(timezone.now()) as source:
        names = (source.lead_table, source.stage_table, source.touch_table)
    with connection.cursor() as cursor:
        for name in names:
            try:
                cursor.execute(f'SELECT COUNT(*) FROM "{name}"')
            except Exception as gone:  # the table no longer exists
                assert name in str(gone)
                break
            raise AssertionError(f"{name} still exists")
