from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from truce.errors import Conflict, DomainError, PermissionDenied
from truce.funnel.models import Lead
from truce.identity.models import Role
from truce.ledger.models import Event
from truce.ledger.selectors import lead_timeline
from truce.touches import services
from truce.touches.models import Campaign, Touch


def test_touch_team_follows_its_kind_and_updates_the_lead_facts(make_lead, rep, make_campaign):
    lead = make_lead("mql")
    t0 = timezone.now() - timedelta(days=3)
    campaign = make_campaign(name="Spring webinar")
    services.record_touch(lead=lead, kind="webinar", actor=None, occurred_at=t0, campaign=campaign)
    services.record_touch(lead=lead, kind="call", actor=rep, occurred_at=t0 + timedelta(days=1))
    services.record_touch(
        lead=lead, kind="email_open", actor=None, occurred_at=t0 + timedelta(days=2)
    )

    lead = Lead.objects.get(pk=lead.pk)
    assert list(
        Touch.objects.filter(lead=lead).order_by("occurred_at").values_list("kind", "team")
    ) == [("webinar", "marketing"), ("call", "sales"), ("email_open", "marketing")]
    assert (lead.touch_count, lead.sales_touch_count) == (3, 1)
    assert lead.first_touch_at == t0
    assert lead.first_sales_touch_at == t0 + timedelta(days=1)
    assert lead.last_touch_at == t0 + timedelta(days=2)
    recorded = lead_timeline(lead_id=lead.pk).filter(kind="touch.recorded").first()
    assert recorded.occurred_at == t0
    assert recorded.payload["campaign_id"] == campaign.pk


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"kind": "smoke_signal"}, "kind"),
        ({"kind": "call", "occurred_at": timezone.now() + timedelta(days=1)}, "occurred_at"),
    ],
)
def test_bad_touches_are_refused_and_leave_nothing(make_lead, rep, kwargs, field):
    lead = make_lead("mql")
    before = Event.objects.count()

    with pytest.raises(DomainError) as exc:
        services.record_touch(lead=lead, actor=rep, **kwargs)

    assert exc.value.field == field
    assert (Touch.objects.count(), Event.objects.count()) == (0, before)
    assert Lead.objects.get(pk=lead.pk).touch_count == 0


def test_updating_a_touch_time_refreshes_the_lead_facts(make_lead, rep):
    lead = make_lead("mql")
    touch = services.record_touch(lead=lead, kind="call", actor=rep)
    earlier = timezone.now() - timedelta(days=7)

    services.update_touch(
        touch=touch, actor=rep, changes={"occurred_at": earlier, "note": "Left voicemail"}
    )

    lead = Lead.objects.get(pk=lead.pk)
    assert lead.first_sales_touch_at == earlier
    assert lead_timeline(lead_id=lead.pk).last().kind == "touch.updated"


def test_a_touch_kind_cannot_be_rewritten(make_lead, rep):
    touch = services.record_touch(lead=make_lead("mql"), kind="call", actor=rep)

    with pytest.raises(DomainError) as exc:
        services.update_touch(touch=touch, actor=rep, changes={"kind": "demo"})

    assert exc.value.field == "kind"
    assert Touch.objects.get(pk=touch.pk).kind == "call"


def test_campaign_is_created_with_its_budget_and_dates(marketer):
    campaign = services.create_campaign(
        actor=marketer,
        name=" Q3 webinar ",
        channel="events",
        product_line="analytics",
        budget="12000.5",
        starts_on=date(2026, 7, 1),
        ends_on=date(2026, 9, 30),
        owner=marketer,
    )

    assert (campaign.name, campaign.budget) == ("Q3 webinar", Decimal("12000.50"))
    event = Event.objects.filter(kind="campaign.created").get()
    assert event.payload["budget"] == "12000.50"
    assert event.payload["starts_on"] == "2026-07-01"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"budget": "-1"}, "budget"),
        ({"budget": "abc"}, "budget"),
        ({"starts_on": date(2026, 9, 1), "ends_on": date(2026, 8, 1)}, "ends_on"),
        ({"name": "  "}, "name"),
    ],
)
def test_bad_campaigns_are_refused(marketer, fields, field):
    values = {"name": "Launch", "channel": "email", **fields}

    with pytest.raises(DomainError) as exc:
        services.create_campaign(actor=marketer, **values)

    assert exc.value.field == field
    assert Campaign.objects.count() == 0


def test_campaign_names_are_unique(make_campaign, marketer):
    make_campaign(name="Launch")
    with pytest.raises(Conflict):
        services.create_campaign(actor=marketer, name="Launch", channel="email")
    assert Campaign.objects.count() == 1


def test_sales_reps_cannot_manage_campaigns(make_user, make_campaign):
    campaign = make_campaign(name="Launch", budget="100")

    with pytest.raises(PermissionDenied):
        services.update_campaign(
            campaign=campaign, actor=make_user(Role.SALES_REP), changes={"budget": "0"}
        )

    assert Campaign.objects.get(pk=campaign.pk).budget == Decimal("100.00")


def test_campaign_update_records_the_diff(make_campaign, marketer):
    campaign = make_campaign(name="Launch", budget="100")

    services.update_campaign(campaign=campaign, actor=marketer, changes={"budget": "250"})

    event = Event.objects.filter(kind="campaign.updated").get()
    assert event.payload == {"changes": {"budget": ["100.00", "250.00"]}}
