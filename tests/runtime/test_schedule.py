from datetime import UTC, datetime

from truce.runtime.models import PeriodicRun
from truce.runtime.schedule import run_due_jobs, slot_start


def test_slots_are_aligned_to_the_interval():
    moment = datetime(2026, 11, 25, 10, 7, 42, tzinfo=UTC)

    assert slot_start(moment, 60) == datetime(2026, 11, 25, 10, 7, tzinfo=UTC)
    assert slot_start(moment, 3600) == datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def test_each_job_is_enqueued_once_per_slot_whoever_asks(db, settings):
    settings.TRUCE_PERIODIC_JOBS = {"truce.agreements.tasks.sweep_clocks": 60}
    moment = datetime(2026, 11, 25, 10, 7, 5, tzinfo=UTC)

    first = run_due_jobs(now=moment)
    same_slot = run_due_jobs(now=moment.replace(second=50))
    next_slot = run_due_jobs(now=moment.replace(minute=8))

    assert first == ["truce.agreements.tasks.sweep_clocks"]
    assert same_slot == []
    assert next_slot == ["truce.agreements.tasks.sweep_clocks"]
    assert PeriodicRun.objects.count() == 2
