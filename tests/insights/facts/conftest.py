"""Facts fixtures: reading the facts tables as plain rows, and times in the past."""

from datetime import UTC, datetime, timedelta

import pytest

from truce.assignment.services import reassign_lead
from truce.funnel import services as funnel
from truce.funnel.services.disposition import accept_lead, reject_lead
from truce.insights.facts.source import LIVE, Tables
from truce.insights.models import LeadFacts, StageFacts, TouchFacts
from truce.touches import services as touches

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
HOUR, DAY = timedelta(hours=1), timedelta(days=1)
LEAD_FIELDS = [f.attname for f in LeadFacts._meta.concrete_fields]
STAGE_FIELDS = [f.attname for f in StageFacts._meta.concrete_fields if f.attname != "id"]
TOUCH_FIELDS = [f.attname for f in TouchFacts._meta.concrete_fields]


def _read(model, table: str, fields: list[str], order: str) -> list[dict]:
    """Rows of any facts table (live or temporary) through Django's field converters."""
    names = ", ".join(f'"{f}"' for f in {model._meta.pk.attname, *fields})
    rows = model.objects.raw(f'SELECT {names} FROM "{table}" ORDER BY {order}')
    return [{name: getattr(row, name) for name in fields} for row in rows]


@pytest.fixture
def facts_rows():
    """{"lead": [...], "stage": [...], "touch": [...]}: every column of every row of a set of
    facts tables (the live ones by default)."""

    def read(tables: Tables = LIVE):
        return {
            "lead": _read(LeadFacts, tables.lead_table, LEAD_FIELDS, "lead_id"),
            "stage": _read(
                StageFacts, tables.stage_table, STAGE_FIELDS, "lead_id, stage_id, visit"
            ),
            "touch": _read(TouchFacts, tables.touch_table, TOUCH_FIELDS, "lead_id, position"),
        }

    return read


@pytest.fixture
def won_journey(make_company, make_contact, make_lead, make_campaign, rep, admin_user, stage):
    """Created with an owner, two marketing and two sales touches, on to presenting, won."""
    company = make_company(name="Acme")
    contact = make_contact(company=company)
    campaign = make_campaign(name="Spring webinar", channel="webinar")
    lead = make_lead("lead", contact=contact, source="webinar", campaign=campaign, owner=rep,
                     product_line="Platform", amount="500", created_at=T0)  # fmt: skip
    touch = touches.record_touch
    touch(lead=lead, kind="webinar", actor=admin_user, occurred_at=T0 + HOUR, campaign=campaign)
    touch(lead=lead, kind="email_click", actor=admin_user, occurred_at=T0 + 2 * HOUR)
    funnel.move_lead(lead=lead, stage=stage("mql"), actor=admin_user, occurred_at=T0 + DAY)
    touch(lead=lead, kind="call", actor=rep, occurred_at=T0 + DAY + 2 * HOUR)
    funnel.move_lead(lead=lead, stage=stage("sal"), actor=rep, occurred_at=T0 + 2 * DAY)
    funnel.move_lead(lead=lead, stage=stage("presenting"), actor=rep, occurred_at=T0 + 5 * DAY)
    touch(lead=lead, kind="demo", actor=rep, occurred_at=T0 + 6 * DAY)
    funnel.set_outcome(lead=lead, outcome="won", amount="1200", actor=rep,
                       occurred_at=T0 + 10 * DAY)  # fmt: skip
    return lead


@pytest.fixture
def winding_journey(make_lead, rep, admin_user, stage):
    """Created already at MQL, rejected back to marketing, recycled, reopened, reassigned,
    accepted (so moved to SAL), lost."""
    lead = make_lead("mql", source="ads", created_at=T0)
    lead = funnel.update_lead(lead=lead, actor=admin_user, changes={"owner": rep})
    reject_lead(lead=lead, reason="not_icp", actor=rep)
    funnel.set_outcome(lead=lead, outcome="recycled", reason="not_ready", actor=admin_user)
    funnel.reopen_lead(lead=lead, actor=admin_user)
    funnel.move_lead(lead=lead, stage=stage("mql"), actor=admin_user)
    reassign_lead(lead=lead, owner=rep, actor=admin_user)
    accept_lead(lead=lead, actor=rep)
    funnel.set_outcome(lead=lead, outcome="lost", reason="price", actor=rep)
    return lead
