"""Reads for assignment: a rep's queue, what sales handed back, and the routing setup."""

from datetime import datetime
from typing import Any

from django.db.models import Case, F, IntegerField, Min, Prefetch, Q, QuerySet, Value, When

from truce.errors import NotFound
from truce.funnel.models import Disposition, Lead, Outcome
from truce.identity.models import Team

from .models import Pool, PoolMember, RoutingRule

_LEAD_RELATED = ("contact", "company", "stage", "owner", "campaign", "disposition_reason")


def queue_for(*, user: Any) -> QuerySet[Lead]:
    """The user's open leads awaiting disposition or accepted, most urgent first.

    Awaiting disposition before accepted, then the soonest-due running SLA clock (`next_due`),
    then the longest waiting.
    """
    return (
        Lead.objects.filter(owner=user, outcome=Outcome.OPEN)
        .exclude(disposition=Disposition.REJECTED)
        .select_related(*_LEAD_RELATED)
        .annotate(
            awaiting=Case(
                When(disposition=Disposition.NONE, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .annotate(next_due=Min("clocks__due_at", filter=Q(clocks__state="running")))
        .order_by("awaiting", F("next_due").asc(nulls_last=True), "assigned_at", "pk")
    )


def queue_lead(*, user: Any, lead_id: int) -> Lead:
    lead = Lead.objects.select_related(*_LEAD_RELATED).filter(pk=lead_id).first()
    if lead is None:
        raise NotFound(f"No lead with id {lead_id}.", field="lead_id")
    return lead


def rejected_leads(*, since: datetime) -> QuerySet[Lead]:
    """Leads sales handed back since a moment, newest first, with the reason: for marketing."""
    return (
        Lead.objects.filter(disposition=Disposition.REJECTED, disposition_at__gte=since)
        .select_related(*_LEAD_RELATED)
        .order_by("-disposition_at", "-pk")
    )


def pools() -> QuerySet[Pool]:
    members = PoolMember.objects.select_related("user").order_by("pk")
    return (
        Pool.objects.select_related("team")
        .prefetch_related(Prefetch("members", queryset=members))
        .order_by("name")
    )


def get_pool(*, pool_id: int, field: str = "pool_id") -> Pool:
    pool = pools().filter(pk=pool_id).first()
    if pool is None:
        raise NotFound(f"No pool with id {pool_id}.", field=field)
    return pool


def get_member(*, pool: Pool, member_id: int) -> PoolMember:
    member = pool.members.select_related("user", "pool").filter(pk=member_id).first()
    if member is None:
        raise NotFound(f"No member {member_id} in {pool.name}.", field="member_id")
    return member


def rules() -> QuerySet[RoutingRule]:
    return RoutingRule.objects.select_related("pool").order_by("position", "pk")


def get_rule(*, rule_id: int) -> RoutingRule:
    rule = rules().filter(pk=rule_id).first()
    if rule is None:
        raise NotFound(f"No routing rule with id {rule_id}.", field="rule_id")
    return rule


def team(*, key: str) -> Team:
    found = Team.objects.filter(key=key).first()
    if found is None:
        raise NotFound(f"No team with key {key!r}.", field="team")
    return found
