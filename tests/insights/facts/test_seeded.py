"""Seeded demo data: the facts the seeder builds from its ledger agree with the rows it wrote
beside it, and with a check."""

from datetime import date

from django.db.models import F

from truce.demo.services import seed_demo
from truce.funnel.models import Lead
from truce.insights.facts.services import check_facts
from truce.insights.models import LeadFacts

# Columns the lead rows and the facts both keep, which the generator writes independently.
SHARED = (
    "contact_id", "company_id", "created_at", "source", "campaign_id", "product_line",
    "stage_id", "stage_entered_at", "qualified_at", "disposition", "disposition_at",
    "outcome", "outcome_at", "amount", "touch_count", "sales_touch_count", "first_touch_at",
    "last_touch_at", "first_sales_touch_at",
)  # fmt: skip


def test_seeding_ends_with_facts_that_agree_with_the_lead_rows(db):
    seed_demo(leads=300, seed=3, until=date(2026, 6, 1))

    leads = {row[0]: row[1:] for row in Lead.objects.values_list("pk", *SHARED)}
    facts = {row[0]: row[1:] for row in LeadFacts.objects.values_list("lead_id", *SHARED)}
    assert len(facts) == 300
    assert facts == leads
    won = LeadFacts.objects.filter(outcome="won")
    assert won.count() == Lead.objects.filter(outcome="won").count() > 0
    assert not won.exclude(won_at=F("outcome_at")).exists()
    assert not won.exclude(touches_before_won=F("touch_count")).exists()
    assert LeadFacts.objects.filter(disposition="rejected", owner_id__isnull=False).count() == 0
    assert check_facts().differences == []
