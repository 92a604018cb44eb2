"""Campaigns and touches. A touch refreshes its lead's touch facts in the same transaction."""

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Count, Max, Min, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from truce.errors import Conflict, DomainError
from truce.identity.models import TeamKey
from truce.identity.permissions import require
from truce.ledger import services as ledger

from .models import Campaign, Touch, TouchKind, team_for_kind

CAMPAIGN_FIELDS = ("name", "channel", "product_line", "budget", "starts_on", "ends_on", "owner")
TOUCH_FIELDS = ("channel", "campaign", "collateral", "note", "occurred_at")


def _ref(value: Any) -> Any:
    if isinstance(value, Decimal | date | datetime):
        return str(value) if isinstance(value, Decimal) else value.isoformat()
    return value.pk if hasattr(value, "pk") else value


def _check_campaign(values: dict[str, Any]) -> dict[str, Any]:
    if "budget" in values:
        try:
            budget = Decimal(str(values["budget"] if values["budget"] is not None else 0))
        except InvalidOperation:
            raise DomainError("Budget must be a number.", field="budget") from None
        if not budget.is_finite() or budget < 0 or budget >= Decimal("1e12"):
            raise DomainError("Budget must be between 0 and 999,999,999,999.99.", field="budget")
        values = {**values, "budget": budget.quantize(Decimal("0.01"))}
    if "name" in values and not str(values["name"]).strip():
        raise DomainError("A campaign needs a name.", field="name")
    return values


def _check_dates(campaign: Campaign) -> None:
    if campaign.starts_on and campaign.ends_on and campaign.ends_on < campaign.starts_on:
        raise DomainError("A campaign cannot end before it starts.", field="ends_on")


@transaction.atomic
def create_campaign(*, actor: Any, name: str, channel: str, **fields: Any) -> Campaign:
    require(actor, "manage_campaigns")
    values = _check_campaign({"name": name.strip(), "channel": channel.strip(), **fields})
    if Campaign.objects.filter(name=values["name"]).exists():
        raise Conflict(f"A campaign named {values['name']!r} exists already.", field="name")
    now = timezone.now()
    campaign = Campaign(created_at=now, updated_at=now, **values)
    _check_dates(campaign)
    campaign.save()
    ledger.append(
        kind="campaign.created",
        subject_type="campaign",
        subject_id=campaign.pk,
        actor=actor,
        payload={k: _ref(v) for k, v in values.items()},
    )
    return campaign


@transaction.atomic
def update_campaign(*, campaign: Campaign, actor: Any, changes: dict[str, Any]) -> Campaign:
    require(actor, "manage_campaigns")
    changes = _check_campaign(changes)
    if (
        "name" in changes
        and Campaign.objects.filter(name=changes["name"]).exclude(pk=campaign.pk).exists()
    ):
        raise Conflict(f"A campaign named {changes['name']!r} exists already.", field="name")
    diff = {
        k: [_ref(getattr(campaign, k)), _ref(v)]
        for k, v in changes.items()
        if getattr(campaign, k) != v
    }
    for name, value in changes.items():
        setattr(campaign, name, value)
    _check_dates(campaign)
    if diff:
        campaign.updated_at = timezone.now()
        campaign.save(update_fields=[*changes, "updated_at"])
        ledger.append(
            kind="campaign.updated",
            subject_type="campaign",
            subject_id=campaign.pk,
            actor=actor,
            payload={"changes": diff},
        )
    return campaign


def _check_not_future(when: datetime | None) -> None:
    if when is not None and when > timezone.now() + timedelta(minutes=5):
        raise DomainError("A touch cannot happen in the future.", field="occurred_at")


def refresh_touch_facts(*, lead_id: int) -> None:
    """Recompute the lead's touch facts from its touches."""
    refresh_touch_facts_of(lead_ids=[lead_id])


def refresh_touch_facts_of(*, lead_ids: Iterable[int]) -> None:
    """Recompute the leads' touch facts from all their touches, in one statement (an import
    recomputes a whole batch's leads at once)."""
    from truce.funnel.models import Lead

    touches = Touch.objects.filter(lead_id=OuterRef("pk")).order_by().values("lead_id")
    sales = touches.filter(team=TeamKey.SALES)

    def one(qs: Any, expression: Any) -> Subquery:
        return Subquery(qs.annotate(value=expression).values("value")[:1])

    Lead.objects.filter(pk__in=list(lead_ids)).update(
        touch_count=Coalesce(one(touches, Count("pk")), 0),
        sales_touch_count=Coalesce(one(sales, Count("pk")), 0),
        first_touch_at=one(touches, Min("occurred_at")),
        last_touch_at=one(touches, Max("occurred_at")),
        first_sales_touch_at=one(sales, Min("occurred_at")),
    )


def _refresh_lead(lead_id: int, actor: Any) -> None:
    """Rescore the lead (and qualify it if it now meets the sales-ready definition)."""
    from truce.funnel.services.qualification import refresh_lead

    refresh_lead(lead_id=lead_id, actor=actor)


@transaction.atomic
def record_touch(
    *,
    lead: Any,
    kind: str,
    actor: Any,
    occurred_at: datetime | None = None,
    channel: str = "",
    campaign: Campaign | None = None,
    collateral: str = "",
    note: str = "",
    imported: bool = False,
) -> Touch:
    require(actor, "write_records")
    if kind not in TouchKind.values:
        raise DomainError(f"{kind!r} is not a touch kind.", field="kind")
    now = timezone.now()
    when = occurred_at or now
    _check_not_future(when)
    touch = Touch.objects.create(
        lead=lead,
        contact_id=lead.contact_id,
        kind=kind,
        channel=channel.strip(),
        team=team_for_kind(kind),
        campaign=campaign,
        actor=actor,
        occurred_at=when,
        collateral=collateral.strip(),
        note=note,
        created_at=now,
    )
    refresh_touch_facts(lead_id=lead.pk)
    ledger.append(
        kind="touch.recorded",
        subject_type="touch",
        subject_id=touch.pk,
        lead_id=lead.pk,
        actor=actor,
        occurred_at=when,
        imported=imported,
        payload={
            "kind": kind,
            "team": touch.team,
            "channel": touch.channel,
            "campaign_id": _ref(campaign),
            "collateral": touch.collateral,
        },
    )
    if touch.team == TeamKey.SALES:
        from truce.agreements.services import clocks

        clocks.observe(lead=lead, event="touch.sales", at=when)
    _refresh_lead(lead.pk, actor)
    return touch


@transaction.atomic
def update_touch(*, touch: Touch, actor: Any, changes: dict[str, Any]) -> Touch:
    require(actor, "write_records")
    unknown = set(changes) - set(TOUCH_FIELDS)
    if unknown:
        raise DomainError(f"{sorted(unknown)[0]!r} cannot be updated.", field=sorted(unknown)[0])
    _check_not_future(changes.get("occurred_at"))
    diff = {
        k: [_ref(getattr(touch, k)), _ref(v)] for k, v in changes.items() if getattr(touch, k) != v
    }
    if not diff:
        return touch
    for name, value in changes.items():
        setattr(touch, name, value)
    touch.save(update_fields=list(changes))
    refresh_touch_facts(lead_id=touch.lead_id)
    ledger.append(
        kind="touch.updated",
        subject_type="touch",
        subject_id=touch.pk,
        lead_id=touch.lead_id,
        actor=actor,
        payload={"changes": diff},
    )
    _refresh_lead(touch.lead_id, actor)
    return touch


def reassign_touches(*, from_contact: Any, to_contact: Any) -> int:
    return Touch.objects.filter(contact=from_contact).update(contact=to_contact)
