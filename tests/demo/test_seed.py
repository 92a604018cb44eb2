"""Seeding: deterministic, consistent with its own history, and believable."""

import itertools
import os
import subprocess
import sys
from datetime import date

import pytest
from django.db import connection
from django.db.models import Count, Max, Min, Q

from truce.demo.services import seed_demo
from truce.errors import Conflict
from truce.funnel.models import Lead, StageVisit
from truce.identity.models import Role, User
from truce.ledger.bulk import payload_text
from truce.ledger.models import Event, Head
from truce.ledger.selectors import verify_chain
from truce.people.models import Company, Contact
from truce.touches.models import Campaign, Touch

UNTIL = date(2026, 6, 1)
LEAD_FIELDS = [f.attname for f in Lead._meta.concrete_fields]


TABLES = (
    "ledger_event", "touches_touch", "funnel_stagevisit", "funnel_lead", "people_contact",
    "people_company", "touches_campaign", "ledger_head", "identity_user",
)  # fmt: skip


def _flush() -> None:
    """Empty the seeded tables and restart their ids, as in a fresh database."""
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f'DELETE FROM "{table}"')
            if connection.vendor == "postgresql":
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), 1, false)")
        if connection.vendor == "sqlite":
            names = ", ".join(f"'{t}'" for t in TABLES)
            cursor.execute(f"DELETE FROM sqlite_sequence WHERE name IN ({names})")


@pytest.fixture
def fresh(db):
    _flush()


def _lead_rows() -> list[tuple]:
    return list(Lead.objects.order_by("pk").values_list(*LEAD_FIELDS))


def test_same_seed_gives_the_same_leads(fresh):
    seed_demo(leads=300, seed=7, until=UNTIL)
    first = _lead_rows()
    first_events = list(Event.objects.values_list("seq", "kind", "occurred_at", "payload"))
    _flush()
    seed_demo(leads=300, seed=7, until=UNTIL)
    assert _lead_rows() == first
    assert list(Event.objects.values_list("seq", "kind", "occurred_at", "payload")) == (
        first_events
    )
    _flush()
    seed_demo(leads=300, seed=8, until=UNTIL)
    assert _lead_rows() != first


def test_seeded_ledger_verifies_and_the_head_holds_the_end(fresh):
    seed_demo(leads=300, seed=1, until=UNTIL)
    verdict = verify_chain()
    assert verdict.ok, verdict.reason
    last = Event.objects.order_by("-seq").first()
    head = Head.objects.get(pk=1)
    assert (head.seq, head.hash) == (last.seq, last.hash) == (verdict.checked, verdict.head_hash)


def test_payloads_are_stored_in_canonical_form(fresh):
    seed_demo(leads=100, seed=1, until=UNTIL)
    for payload in Event.objects.values_list("payload", flat=True)[:2000]:
        assert payload_text(payload) == payload_text(dict(payload))


def test_the_organisation(fresh):
    report = seed_demo(leads=50, seed=1, until=UNTIL)
    roles = sorted(User.objects.values_list("role", flat=True))
    assert roles.count(Role.ADMIN) == 1 and roles.count(Role.SALES_REP) == 5
    assert roles.count(Role.MARKETER) == 3 and roles.count(Role.VIEWER) == 1
    assert User.objects.filter(role=Role.SALES_REP, manager__username="sam").count() == 5
    assert Campaign.objects.count() == 20
    assert User.objects.get(username="admin").check_password("truce-demo")
    assert ("admin", "Admin", "truce-demo") in report.credentials


def test_denormalised_touch_facts_equal_the_touches(fresh):
    seed_demo(leads=300, seed=3, until=UNTIL)
    sales = Q(touches__team="sales")
    expected = Lead.objects.annotate(
        n=Count("touches"),
        ns=Count("touches", filter=sales),
        first=Min("touches__occurred_at"),
        last=Max("touches__occurred_at"),
        first_sales=Min("touches__occurred_at", filter=sales),
    ).order_by("pk")
    for lead in expected:
        assert (lead.touch_count, lead.sales_touch_count) == (lead.n, lead.ns)
        assert (lead.first_touch_at, lead.last_touch_at) == (lead.first, lead.last)
        assert lead.first_sales_touch_at == lead.first_sales
    assert Touch.objects.filter(team="sales", lead__owner=None).count() == 0


def test_stage_visits_are_ordered_and_end_at_the_lead_stage(fresh):
    seed_demo(leads=300, seed=4, until=UNTIL)
    visits: dict[int, list[StageVisit]] = {}
    for visit in StageVisit.objects.order_by("lead_id", "entered_at", "pk"):
        visits.setdefault(visit.lead_id, []).append(visit)
    for lead in Lead.objects.all():
        chain = visits[lead.pk]
        for before, after in itertools.pairwise(chain):
            assert before.exited_at == after.entered_at
            assert before.entered_at <= before.exited_at
        assert chain[-1].exited_at is None
        assert (chain[-1].stage_id, chain[-1].entered_at) == (lead.stage_id, lead.stage_entered_at)
        assert chain[0].entered_at == lead.created_at


def test_conversion_rates_are_believable(fresh):
    seed_demo(leads=3000, seed=5, until=UNTIL)
    total = Lead.objects.count()
    sal = Lead.objects.filter(stage__position__gte=40).count()
    won = Lead.objects.filter(outcome="won")
    early = Lead.objects.filter(stage__key__in=["subscriber", "lead", "mql"]).count()
    assert total == 3000
    assert 0.08 <= sal / total <= 0.16
    assert 0.01 <= won.count() / total <= 0.05
    assert early / total >= 0.8
    assert won.filter(amount__gt=0, stage__key="customer").count() == won.count()
    assert Lead.objects.filter(stage__position__gte=40).exclude(disposition="accepted").count() == 0
    assert Lead.objects.exclude(owner=None).filter(assigned_at=None).count() == 0
    assert Lead.objects.filter(owner=None).exclude(assigned_at=None).count() == 0
    rejected = Lead.objects.filter(disposition="rejected")
    assert rejected.exists() and not rejected.filter(disposition_reason=None).exists()
    for lead in Lead.objects.all()[:500]:
        assert (lead.fit_score, lead.engagement_score) == (
            lead.facts["fit_score"],
            lead.facts["engagement_score"],
        )
    closed = Lead.objects.filter(outcome__in=["lost", "recycled", "disqualified"])
    assert closed.filter(outcome_reason=None).count() == 0
    assert all(r.kind == lead_outcome for r, lead_outcome in (
        (lead.outcome_reason, lead.outcome) for lead in closed.select_related("outcome_reason")
    ))  # fmt: skip


def test_keys_are_unique_and_references_hold(fresh):
    seed_demo(leads=300, seed=6, until=UNTIL)
    assert Contact.objects.values("email_key").distinct().count() == Contact.objects.count()
    assert Company.objects.values("domain").distinct().count() == Company.objects.count()
    assert (
        not Lead.objects.exclude(contact__company=None)
        .exclude(company_id=models_company_of_contact())
        .exists()
    )
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA foreign_key_check")
            assert cursor.fetchall() == []


def models_company_of_contact():
    from django.db.models import F

    return F("contact__company_id")


def test_events_are_in_the_past_and_match_the_lifecycle(fresh):
    seed_demo(leads=300, seed=2, until=UNTIL)
    assert not Event.objects.filter(occurred_at__gte="2026-06-01T00:00:00Z").exists()
    kinds = set(Event.objects.values_list("kind", flat=True))
    assert {"lead.created", "lead.assigned", "lead.stage_changed", "touch.recorded"} <= kinds
    assert {"lead.outcome_set", "contact.created", "company.created"} <= kinds
    assert Event.objects.filter(kind="lead.created").count() == 300
    assert Event.objects.filter(kind="touch.recorded").count() == Touch.objects.count()
    moves = StageVisit.objects.count() - Lead.objects.count()
    won = Lead.objects.filter(outcome="won").count()
    assert Event.objects.filter(kind="lead.stage_changed").count() == moves - won
    won_event = Event.objects.filter(kind="lead.outcome_set", payload__outcome="won").first()
    assert set(won_event.payload) == {"outcome", "stage", "amount", "won_stage"}


def test_refuses_a_database_with_leads_unless_appending(fresh):
    seed_demo(leads=20, seed=1, until=UNTIL)
    with pytest.raises(Conflict):
        seed_demo(leads=20, seed=1, until=UNTIL)
    assert Lead.objects.count() == 20
    seed_demo(leads=20, seed=2, until=UNTIL, append=True)
    assert Lead.objects.count() == 40
    assert User.objects.count() == 12
    assert verify_chain().ok


@pytest.mark.sqlite_only  # runs the command on its own SQLite file: once is enough
def test_the_seed_command_in_a_fresh_data_directory(tmp_path):
    env = {**os.environ, "TRUCE_DATA_DIR": str(tmp_path), "DATABASE_URL": ""}
    env["DJANGO_SETTINGS_MODULE"] = "truce.settings"

    def truce(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "truce.cli", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    assert truce("migrate", "-v0").returncode == 0
    seeded = truce("seed", "--leads", "2000", "--seed", "3")
    assert seeded.returncode == 0, seeded.stderr
    assert "Seeded 2,000 leads" in seeded.stdout
    assert "rows/s" in seeded.stderr
    verified = truce("ledger", "verify")
    assert verified.returncode == 0, verified.stderr
    again = truce("seed", "--leads", "10")
    assert again.returncode == 1
    assert "--append" in again.stderr
