"""Batches built ahead in a second process: a real `truce import` (which forks its batch
builder) over many batches whose rows share companies, contacts and new campaigns across
batch boundaries; and, in process, the ledger moving between two batches."""

import csv
import subprocess
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from truce.funnel.models import Lead
from truce.insights.facts.services import check_facts
from truce.insights.models import LeadFacts
from truce.ledger import services as ledger
from truce.ledger.models import Event
from truce.ledger.selectors import verify_chain
from truce.transfer.imports.engine import run_import
from truce.transfer.imports.mapping import parse_spec

from .processes import truce

ROWS, BATCH, PEOPLE, PER_COMPANY, CAMPAIGNS = 2_500, 200, 1_500, 30, 7


def _write(path):
    """Row n is person n % PEOPLE (rows 1,500–2,499 are second leads of people 0–999), at the
    company of person // PER_COMPANY, in campaign n % CAMPAIGNS."""
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Email", "Company", "Website", "Lead ID", "Lead Source", "Campaign"])
        for n in range(ROWS):
            person = n % PEOPLE
            company = person // PER_COMPANY
            writer.writerow([
                f"p{person}@co{company}.example", f"Company {company}", f"co{company}.example",
                f"L-{n}", "import", f"Campaign {n % CAMPAIGNS}",
            ])  # fmt: skip
    return path


def test_batches_built_ahead_make_each_record_once_across_batches(own_database, tmp_path):
    env, query = own_database
    subprocess.run(truce("migrate", "-v0"), env=env, check=True)
    path = _write(tmp_path / "leads.csv")
    mapping = tmp_path / "mapping.json"
    mapping.write_text('{"options": {"create_missing": ["campaign"]}}')
    command = truce("import", "leads", str(path), "--mapping", str(mapping),
                    "--batch-rows", str(BATCH))  # fmt: skip

    subprocess.run(command, env=env, capture_output=True, text=True, check=True)

    companies = PEOPLE // PER_COMPANY
    assert query("SELECT COUNT(*), COUNT(DISTINCT external_id) FROM funnel_lead")[0] == (ROWS, ROWS)
    assert query("SELECT COUNT(*), COUNT(DISTINCT email_key) FROM people_contact")[0] == (
        PEOPLE,
        PEOPLE,
    )
    assert query("SELECT COUNT(*), COUNT(DISTINCT domain) FROM people_company")[0] == (
        companies,
        companies,
    )
    assert query("SELECT COUNT(*) FROM touches_campaign")[0][0] == CAMPAIGNS
    # Every lead points at its own person's contact, company and campaign.
    links = query(
        "SELECT l.external_id, c.email_key, c.company_id, co.id, co.domain, ca.name "
        "FROM funnel_lead l JOIN people_contact c ON c.id = l.contact_id "
        "JOIN people_company co ON co.id = l.company_id "
        "JOIN touches_campaign ca ON ca.id = l.campaign_id"
    )
    expected = []
    for n in range(ROWS):
        company = n % PEOPLE // PER_COMPANY
        expected.append((f"L-{n}", f"p{n % PEOPLE}@co{company}.example", f"co{company}.example",
                         f"Campaign {n % CAMPAIGNS}"))  # fmt: skip
    assert all(contact_company == company for _, _, contact_company, company, _, _ in links)
    assert sorted((x, e, d, ca) for x, e, _, _, d, ca in links) == sorted(expected)
    assert query("SELECT kind, COUNT(*) FROM ledger_event GROUP BY kind ORDER BY kind") == [
        ("campaign.created", CAMPAIGNS),
        ("company.created", companies),
        ("contact.created", PEOPLE),
        ("import.finished", 1),
        ("lead.created", ROWS),
    ]
    verified = subprocess.run(truce("ledger", "verify"), env=env, capture_output=True, text=True)
    assert verified.returncode == 0, verified.stdout + verified.stderr

    again = subprocess.run(command, env=env, capture_output=True, text=True, check=True)

    assert f"0 created, 0 updated, {ROWS:,} unchanged" in again.stdout
    assert query("SELECT COUNT(*) FROM ledger_event")[0][0] == ROWS + PEOPLE + companies + 9


@pytest.mark.django_db
def test_a_batch_chained_ahead_is_chained_again_when_the_ledger_moved(tmp_path, admin_user):
    path = _write(tmp_path / "leads.csv")
    spec = parse_spec({"options": {"create_missing": ["campaign"]}}, kind="leads")
    moved = []

    def someone_else_appends(report):
        if not moved:  # between the first batch and the second, built before it
            moved.append(ledger.append(kind="note.added", subject_type="note", subject_id=1))

    report = run_import(kind="leads", path=path, spec=spec, actor=admin_user, batch_rows=BATCH,
                        progress=someone_else_appends)  # fmt: skip

    assert report.created == ROWS
    assert Lead.objects.count() == ROWS
    assert Event.objects.filter(kind="lead.created").count() == ROWS
    assert Event.objects.filter(kind="note.added").count() == 1
    assert verify_chain().ok


@pytest.mark.django_db
def test_imported_leads_and_outcomes_have_facts_equal_to_a_rebuild(tmp_path, admin_user):
    leads = tmp_path / "leads.csv"
    with leads.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Email", "Website", "Lead ID", "Lead Source", "Stage", "Created"])
        for n in range(30):
            writer.writerow([f"p{n}@co{n // 4}.example", f"co{n // 4}.example", f"L-{n}",
                             "events", "mql", f"2026-02-{1 + n % 20:02d} 10:00"])  # fmt: skip
    outcomes = tmp_path / "outcomes.csv"
    outcomes.write_text("Lead,Outcome,When,Amount\nL-3,won,2026-03-09 15:00,1200\n")

    run_import(kind="leads", path=leads, spec=parse_spec({}, kind="leads"), actor=admin_user,
               batch_rows=10)  # fmt: skip
    run_import(kind="outcomes", path=outcomes, actor=admin_user,
               spec=parse_spec({"columns": {"Lead": "lead_external_id", "Outcome": "outcome",
                                            "When": "outcome_at", "Amount": "amount"}},
                               kind="outcomes"))  # fmt: skip

    facts = {f.lead_id: f for f in LeadFacts.objects.all()}
    assert len(facts) == 30
    won = facts[Lead.objects.get(external_id="L-3").pk]
    assert (won.outcome, won.amount, won.won_at) == ("won", Decimal("1200.00"), at_utc(3, 9, 15))
    first = facts[Lead.objects.get(external_id="L-0").pk]
    assert (first.source, first.cohort, first.qualified_at) == ("events", "2026-02",
                                                               at_utc(2, 1, 10))  # fmt: skip
    assert first.company_id == Lead.objects.get(external_id="L-0").company_id
    assert check_facts().differences == []


def at_utc(month, day, hour):
    return datetime(2026, month, day, hour, tzinfo=UTC)
