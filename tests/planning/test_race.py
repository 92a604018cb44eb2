"""Two owners saving the same plan at once, on PostgreSQL with two real connections."""

import threading
from decimal import Decimal

import pytest
from django.db import connections

from truce.errors import Conflict
from truce.planning import services
from truce.planning.models import Plan, PlanRevision

pytestmark = pytest.mark.postgres_only


def _together(*calls):
    """Run each call on its own thread and connection, released at the same moment."""
    start, results = threading.Barrier(len(calls)), {}

    def run(index, call):
        try:
            start.wait()
            results[index] = call()
        except Conflict as exc:
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [results[i] for i in range(len(calls))]


@pytest.mark.django_db(transaction=True)
def test_both_sides_saved_at_once_make_two_revisions_and_lose_nothing(make_plan, owners):
    plan = make_plan(budget="50000", reps=4)
    marketing, sales = owners

    _together(
        lambda: services.revise_plan(
            plan=Plan.objects.get(pk=plan.pk), actor=marketing, changes={"budget": "40000"}
        ),
        lambda: services.revise_plan(
            plan=Plan.objects.get(pk=plan.pk), actor=sales, changes={"reps": 6}
        ),
    )

    plan.refresh_from_db()
    assert sorted(PlanRevision.objects.filter(plan=plan).values_list("number", flat=True)) == [
        1,
        2,
        3,
    ]
    assert (plan.current.number, plan.current.budget, plan.current.reps) == (
        3,
        Decimal("40000.00"),
        6,
    )


@pytest.mark.django_db(transaction=True)
def test_two_edits_of_the_same_revision_one_wins_one_gets_a_conflict(make_plan, owners):
    plan = make_plan(budget="50000")
    marketing, _ = owners

    results = _together(
        *(
            lambda value=value: services.revise_plan(
                plan=Plan.objects.get(pk=plan.pk),
                actor=marketing,
                changes={"budget": value},
                base_revision=1,
            )
            for value in ("40000", "45000")
        )
    )

    assert sorted(type(r).__name__ for r in results) == ["Conflict", "PlanRevision"]
    plan.refresh_from_db()
    assert plan.revision_count == 2
