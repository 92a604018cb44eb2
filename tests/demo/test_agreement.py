from datetime import UTC, date, datetime

from django.db.models import Count

from tests.demo.test_seed import fresh  # noqa: F401 (an empty, fresh database)
from truce.agreements.models import Clock
from truce.agreements.selectors import agreement_in_force
from truce.demo.agreement import install_demo_agreement
from truce.demo.services import seed_demo
from truce.funnel.services.qualification import definition_in_force
from truce.ledger.models import Event
from truce.ledger.selectors import verify_chain

NOW = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)


def test_the_demo_agreement_shows_every_clock_state(fresh):  # noqa: F811
    seed_demo(leads=400, seed=42, until=date(2026, 6, 1))

    install_demo_agreement(now=NOW)

    agreement = agreement_in_force()
    assert (agreement.title, agreement.commitments.count()) == ("Marketing–sales SLA", 8)
    assert definition_in_force().rule == "fit_score >= 30 and engagement_score >= 20"
    states = dict(Clock.objects.values_list("state").annotate(n=Count("pk")))
    # three stale hand-overs breach first touch and disposition; three worked leads meet first
    # touch; the rest still run
    assert states == {"breached": 6, "met": 3, "running": 27}
    assert Clock.objects.filter(escalated_at__isnull=False).count() == 3
    assert Event.objects.filter(kind="clock.escalated").count() == 3
    assert verify_chain().ok
