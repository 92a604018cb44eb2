"""The periodic job that opens the month's round."""

from django.conf import settings

from truce.ledger.models import Event
from truce.pulse.models import Round
from truce.pulse.tasks import open_due_round


def test_the_job_is_scheduled():
    assert "truce.pulse.tasks.open_due_round" in settings.TRUCE_PERIODIC_JOBS


def test_the_job_opens_the_month_round_once(db, today):
    first = open_due_round.call()
    second = open_due_round.call()
    round_ = Round.objects.get()
    assert (first, second) == (round_.pk, None)
    assert round_.opens_on == today.replace(day=1)
    assert Event.objects.filter(kind="pulse.round_opened").count() == 1
