"""Per-lead facts kept live by the ledger's listener, checked against hand-worked journeys and
against a rebuild from the ledger (every column, both tables)."""

from decimal import Decimal

import pytest

from truce.funnel import services as funnel
from truce.funnel.models import Reason, Stage
from truce.insights.facts.services import check_facts, rebuild_facts
from truce.ledger.models import Event
from truce.touches import services as touches

from .conftest import DAY, HOUR, T0


def _stages() -> dict[str, int]:
    return dict(Stage.objects.values_list("key", "pk"))


def _reason(kind: str, key: str) -> int:
    return Reason.objects.get(kind=kind, key=key).pk


def _when(lead, kind: str) -> object:
    """When the lead's last event of `kind` happened (services without a time use now)."""
    return Event.objects.filter(lead_id=lead.pk, kind=kind).order_by("-seq")[0].occurred_at


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


def test_a_won_journey_has_every_fact(won_journey, rep, facts_rows):
    lead, s = won_journey, _stages()

    rows = facts_rows()

    assert rows["lead"] == [
        {
            "lead_id": lead.pk,
            "contact_id": lead.contact_id,
            "company_id": lead.company_id,
            "created_at": T0,
            "cohort": "2026-01",
            "source": "webinar",
            "campaign_id": lead.campaign_id,
            "owner_id": rep.pk,
            "team": "sales",
            "product_line": "Platform",
            "stage_id": s["customer"],
            "stage_entered_at": T0 + 10 * DAY,
            "qualified_at": None,  # moved to MQL by hand: no definition qualified it
            "qualified_by_version": None,
            "assigned_at": T0,
            "disposition": "",
            "disposition_reason_id": None,
            "disposition_at": None,
            "opportunity_at": T0 + 5 * DAY,
            "outcome": "won",
            "outcome_reason_id": None,
            "outcome_at": T0 + 10 * DAY,
            "outcome_stage_id": s["presenting"],
            "amount": Decimal("1200.00"),
            "won_at": T0 + 10 * DAY,
            "recycled_count": 0,
            "recycled_at": None,
            "reopened_count": 0,
            "first_touch_at": T0 + HOUR,
            "last_touch_at": T0 + 6 * DAY,
            "first_sales_touch_at": T0 + DAY + 2 * HOUR,
            "touch_count": 4,
            "marketing_touch_count": 2,
            "sales_touch_count": 2,
            "touches_before_won": 4,
            "touch_kinds": {"call": 1, "demo": 1, "email_click": 1, "webinar": 1},
            "last_seq": Event.objects.filter(lead_id=lead.pk).order_by("-seq")[0].seq,
        }
    ]
    assert lead.company_id is not None
    visits = [(r["stage_id"], r["visit"], r["entered_at"], r["exited_at"]) for r in rows["stage"]]
    assert sorted(visits, key=lambda v: v[2]) == [
        (s["lead"], 1, T0, T0 + DAY),
        (s["mql"], 1, T0 + DAY, T0 + 2 * DAY),
        (s["sal"], 1, T0 + 2 * DAY, T0 + 5 * DAY),
        (s["presenting"], 1, T0 + 5 * DAY, T0 + 10 * DAY),
        (s["customer"], 1, T0 + 10 * DAY, None),
    ]


def test_the_rebuild_equals_the_live_facts(won_journey, facts_rows):
    live = facts_rows()

    leads = rebuild_facts()

    assert leads == 1
    assert facts_rows() == live
    assert check_facts().differences == []
