"""Routing a lead to a sales person, and reassigning it by hand.

Lock order, the same everywhere so routers never deadlock: the lead, then the pool (the
round-robin cursor), then the users of the pool in primary-key order. Locking the users, not
only the pool, keeps capacity right when one person sits in two pools routed at once.
"""

from dataclasses import dataclass
from typing import Any

import rule_engine
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from truce.funnel.models import Disposition, Lead, Outcome
from truce.funnel.rules import compile_rule, lead_facts
from truce.funnel.services.leads import _lead_event, update_lead
from truce.identity.models import TeamKey, User
from truce.identity.permissions import require

from .. import events
from ..errors import NotAssignable
from ..models import Pool, PoolMember, RoutingRule

NO_POOL = "no_pool"
NO_MEMBERS = "no_members"
NOBODY_AVAILABLE = "nobody_available"


@dataclass(frozen=True)
class Match:
    pool: Pool | None
    rule: RoutingRule | None


def match_rule(*, lead: Lead) -> Match:
    """The first active rule, by position, whose condition holds; else the default pool."""
    facts = lead_facts(lead)
    rules = RoutingRule.objects.filter(is_active=True, pool__is_active=True).select_related("pool")
    for rule in rules.order_by("position", "pk"):
        try:
            if compile_rule(rule.condition, field="condition").matches(facts):
                return Match(pool=rule.pool, rule=rule)
        except rule_engine.EngineError:
            continue  # a fact of the wrong type (None >= 1000) means "does not match"
    return Match(pool=default_pool(), rule=None)


def default_pool() -> Pool | None:
    pools = Pool.objects.filter(is_default=True, is_active=True).select_related("team")
    return pools.filter(team__key=TeamKey.SALES).first() or pools.order_by("pk").first()


def open_load(user_ids: list[int]) -> dict[int, int]:
    """Open leads each person holds, rejected ones excluded: what capacity is measured against."""
    rows = (
        Lead.objects.filter(owner_id__in=user_ids, outcome=Outcome.OPEN)
        .exclude(disposition=Disposition.REJECTED)
        .values("owner_id")
        .annotate(n=Count("pk"))
    )
    return {row["owner_id"]: row["n"] for row in rows}


def _available(members: list[PoolMember]) -> list[PoolMember]:
    load = open_load([m.user_id for m in members])
    return [
        m
        for m in members
        if m.active
        and m.user.is_active
        and not m.user.is_away
        and load.get(m.user_id, 0) < m.user.capacity
    ]


def _pick(members: list[PoolMember]) -> PoolMember:
    """Smooth weighted round-robin: deterministic, and spreads a heavy member's turns out."""
    total = sum(m.weight for m in members)
    for member in members:
        member.current_weight += member.weight
    best = max(members, key=lambda m: (m.current_weight, -m.pk))
    best.current_weight -= total
    PoolMember.objects.bulk_update(members, ["current_weight"])
    return best


def _locked_members(pool: Pool) -> list[PoolMember]:
    Pool.objects.select_for_update().filter(pk=pool.pk).first()
    members = list(pool.members.select_related("user").order_by("pk"))
    user_ids = sorted({m.user_id for m in members})
    list(User.objects.select_for_update().filter(pk__in=user_ids).order_by("pk").values("pk"))
    # Re-read after the locks so weights and away flags are the committed ones.
    return list(pool.members.select_related("user").order_by("pk"))


def _locked_lead(lead: Lead) -> Lead:
    return (
        Lead.objects.select_for_update(of=("self",))
        .select_related("contact", "company", "stage", "owner", "campaign")
        .get(pk=lead.pk)
    )


def _already_routed(lead: Lead) -> bool:
    return (
        lead.owner_id is not None
        and lead.assigned_at is not None
        and lead.disposition != Disposition.REJECTED
    )


def _unroutable(lead: Lead, pool: Pool | None, reason: str, actor: Any) -> None:
    payload = {"pool": pool.name if pool else None, "pool_id": pool.pk if pool else None}
    _lead_event(lead, events.LEAD_UNROUTABLE, actor, {**payload, "reason": reason})


@transaction.atomic
def route_lead(*, lead: Lead, actor: Any) -> User | None:
    """Give an open lead to the next available member of the pool its rules pick.

    Returns the owner, or None when nobody is available (the lead stays unassigned and a
    `lead.unroutable` event says why). A lead already routed and not rejected keeps its owner:
    routing twice is harmless.
    """
    locked = _locked_lead(lead)
    if locked.outcome != Outcome.OPEN:
        raise NotAssignable(f"The lead is {locked.outcome}; only open leads are routed.")
    if _already_routed(locked):
        return locked.owner
    match = match_rule(lead=locked)
    if match.pool is None:
        _unroutable(locked, None, NO_POOL, actor)
        return None
    members = _locked_members(match.pool)
    if not members:
        _unroutable(locked, match.pool, NO_MEMBERS, actor)
        return None
    available = _available(members)
    if not available:
        _unroutable(locked, match.pool, NOBODY_AVAILABLE, actor)
        return None
    owner = _pick(available).user
    _lead_event(
        locked,
        events.LEAD_ROUTED,
        actor,
        {
            "rule": match.rule.name if match.rule else None,
            "rule_id": match.rule.pk if match.rule else None,
            "pool": match.pool.name,
            "pool_id": match.pool.pk,
            "to": owner.pk,
        },
    )
    _assign(locked, owner, actor)
    _copy_assignment(locked, lead)
    return owner


def _assign(lead: Lead, owner: User, actor: Any) -> None:
    """Owner through update_lead (which writes `lead.assigned`); a fresh disposition and clock."""
    if lead.owner_id == owner.pk:
        # update_lead writes nothing for an unchanged owner, yet a re-assignment is news.
        _lead_event(lead, "lead.assigned", actor, {"from": owner.pk, "to": owner.pk})
    else:
        update_lead(lead=lead, actor=actor, changes={"owner": owner})
    lead.assigned_at = timezone.now()
    lead.disposition, lead.disposition_reason, lead.disposition_at = Disposition.NONE, None, None
    lead.save(update_fields=["assigned_at", "disposition", "disposition_reason", "disposition_at"])


def _copy_assignment(source: Lead, target: Lead) -> None:
    """Keep the caller's instance truthful without clobbering anything else it holds."""
    for name in ("owner", "assigned_at", "disposition", "disposition_reason", "disposition_at"):
        setattr(target, name, getattr(source, name))
    target.updated_at = source.updated_at


@transaction.atomic
def reassign_lead(*, lead: Lead, owner: User, actor: Any, reason: str = "") -> Lead:
    """Hand an open lead to someone by hand. Capacity and away flags are the manager's call."""
    require(actor, "assign_leads")
    locked = _locked_lead(lead)
    if locked.outcome != Outcome.OPEN:
        raise NotAssignable(
            f"The lead is {locked.outcome}; reopen it before reassigning it.", field="owner"
        )
    if not owner.is_active:
        raise NotAssignable(f"{owner.username} is not an active user.", field="owner")
    previous = locked.owner_id
    _assign(locked, owner, actor)
    _lead_event(
        locked,
        events.LEAD_REASSIGNED,
        actor,
        {"from": previous, "to": owner.pk, "reason": reason.strip()},
    )
    return locked
