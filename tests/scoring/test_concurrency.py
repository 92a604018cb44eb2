"""Two scheduled rescores at once on PostgreSQL: each change is written once, not twice."""

import threading
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone

from truce.funnel import defaults
from truce.funnel.models import Lead
from truce.funnel.services import qualification
from truce.ledger.models import Event
from truce.scoring import services as scoring
from truce.touches import services as touch_services

pytestmark = pytest.mark.postgres_only


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_score_and_qualify_each_lead_once(
    make_lead, marketer, admin_user, marketing_owner, sales_owner
):
    defaults.install()  # an earlier transactional test's flush may have emptied the funnel
    # given leads whose demo decays from 40 to 20 points in a week, and a definition that
    # qualifies a lead at 20 or more points
    scoring.create_rule(
        actor=marketer,
        kind="engagement",
        name="Demo",
        points=40,
        touch_kind="demo",
        half_life_days=7,
    )
    leads = [make_lead("lead") for _ in range(6)]
    for lead in leads:
        touch_services.record_touch(lead=lead, kind="demo", actor=admin_user)
    definition = qualification.propose_definition(
        rule="engagement_score <= 25", actor=marketing_owner
    )
    qualification.sign_definition(version=definition.version, actor=marketing_owner)
    qualification.sign_definition(version=definition.version, actor=sales_owner)
    later = timezone.now() + timedelta(days=7)
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def sweep() -> None:
        try:
            start.wait()
            qualification.refresh_open_leads(now=later, chunk_size=2)
        except BaseException as exc:
            failures.append(exc)
        finally:
            connections.close_all()

    # when two workers sweep at the same moment
    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then every lead was rescored and qualified exactly once
    ids = [lead.pk for lead in leads]
    assert failures == []
    assert (
        sorted(Lead.objects.filter(pk__in=ids).values_list("engagement_score", flat=True))
        == [20] * 6
    )
    decayed = Event.objects.filter(kind="lead.scored", lead_id__in=ids, payload__score=20)
    assert decayed.count() == 6
    assert Event.objects.filter(kind="lead.qualified", lead_id__in=ids).count() == 6
