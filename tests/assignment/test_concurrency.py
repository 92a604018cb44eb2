"""Two real PostgreSQL connections routing at once: each lead once, nobody past capacity."""

import threading
from collections import Counter

import pytest
from django.db import connections

from truce.assignment import services
from truce.funnel import defaults
from truce.funnel.models import Lead
from truce.identity.models import Role
from truce.ledger.models import Event
from truce.ledger.selectors import verify_chain

pytestmark = pytest.mark.postgres_only


def _route_all(lead_ids: list[int], errors: list[BaseException], start: threading.Barrier) -> None:
    try:
        start.wait()
        for lead_id in lead_ids:
            services.route_lead(lead=Lead.objects.get(pk=lead_id), actor=None)
    except BaseException as exc:
        errors.append(exc)
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_concurrent_routing_assigns_each_lead_once_within_capacity(
    make_user, make_lead, make_contact
):
    defaults.install()  # an earlier transactional test's flush may have emptied the funnel
    reps = [make_user(Role.SALES_REP, username=f"r{n}") for n in range(3)]
    for rep, capacity in zip(reps, (6, 4, 5), strict=True):
        rep.capacity = capacity
        rep.save(update_fields=["capacity"])
    pool = services.create_pool(name="Race", is_default=True, actor=None)
    second = services.create_pool(name="Second", actor=None)
    for rep, weight in zip(reps, (3, 2, 1), strict=True):
        services.add_member(pool=pool, user=rep, weight=weight, actor=None)
    # r0 also sits in a second pool, routed at the same time, so capacity spans pools.
    services.add_member(pool=second, user=reps[0], actor=None)
    services.create_rule(name="Second", condition="source == 'second'", pool=second, actor=None)
    leads = [make_lead("mql", contact=make_contact()) for _ in range(16)]
    leads += [make_lead("mql", contact=make_contact(), source="second") for _ in range(4)]
    ids = [lead.pk for lead in leads]
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    # Both threads try every lead, in opposite orders.
    threads = [
        threading.Thread(target=_route_all, args=(order, errors, start))
        for order in (ids, list(reversed(ids)))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assigned = Counter(
        Event.objects.filter(kind="lead.assigned", lead_id__in=ids).values_list(
            "lead_id", flat=True
        )
    )
    assert set(assigned.values()) == {1}
    routed = Event.objects.filter(kind="lead.routed", lead_id__in=ids).count()
    assert routed == len(assigned) == 15  # the sum of the capacities
    held = Counter(Lead.objects.filter(pk__in=ids).values_list("owner__username", flat=True))
    assert held == {"r0": 6, "r1": 4, "r2": 5, None: 5}
    assert verify_chain().ok
