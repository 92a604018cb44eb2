"""Reads for the funnel, already shaped for the pages and the API."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from truce.errors import NotFound

from .models import Lead, Outcome, Reason, Stage, StageVisit, Term, TermVersion


@dataclass(frozen=True)
class LeadFilters:
    search: str = ""
    stage: str = ""
    outcome: str = ""
    owner: str = ""
    source: str = ""
    campaign_id: int | None = None
    product_line: str = ""
    created_after: datetime | None = None
    created_before: datetime | None = None


def _filter(qs: QuerySet[Lead], f: LeadFilters) -> QuerySet[Lead]:
    exact = {
        "stage__key": f.stage,
        "outcome": f.outcome,
        "source": f.source,
        "campaign_id": f.campaign_id,
        "product_line": f.product_line,
        "created_at__gte": f.created_after,
        "created_at__lt": f.created_before,
    }
    qs = qs.filter(**{k: v for k, v in exact.items() if v not in ("", None)})
    if f.owner == "none":
        qs = qs.filter(owner__isnull=True)
    elif f.owner:
        qs = qs.filter(owner__username=f.owner)
    if f.search:
        term = f.search.strip()
        qs = qs.filter(
            Q(contact__email_key__startswith=term.lower())
            | Q(contact__last_name__istartswith=term)
            | Q(contact__first_name__istartswith=term)
            | Q(company__name__istartswith=term)
        )
    return qs


def leads_visible_to(*, user: Any, filters: LeadFilters | None = None) -> QuerySet[Lead]:
    """Every signed-in user reads the whole funnel: it is the shared source of truth."""
    qs = Lead.objects.select_related(
        "contact", "company", "stage", "owner", "campaign", "outcome_reason"
    )
    return _filter(qs, filters or LeadFilters())


def get_lead(*, user: Any, lead_id: int) -> Lead:
    lead = leads_visible_to(user=user).filter(pk=lead_id).first()
    if lead is None:
        raise NotFound(f"No lead with id {lead_id}.", field="lead_id")
    return lead


def stages() -> QuerySet[Stage]:
    return Stage.objects.filter(is_active=True).order_by("position")


def get_stage(*, key: str) -> Stage:
    stage = Stage.objects.filter(key=key).first()
    if stage is None:
        raise NotFound(f"No stage with key {key!r}.", field="stage")
    return stage


def stage_counts(*, user: Any, filters: LeadFilters | None = None) -> dict[int, int]:
    """Open leads per stage, plus won leads in the won stage."""
    qs = leads_visible_to(user=user, filters=filters).filter(
        outcome__in=[Outcome.OPEN, Outcome.WON]
    )
    rows = qs.order_by().values("stage_id").annotate(n=Count("pk"))
    return {row["stage_id"]: row["n"] for row in rows}


def reasons(*, kind: str = "") -> QuerySet[Reason]:
    qs = Reason.objects.filter(is_active=True)
    return qs.filter(kind=kind) if kind else qs


def glossary() -> QuerySet[Term]:
    versions = (
        TermVersion.objects.select_related("proposed_by")
        .prefetch_related("approvals__approver")
        .order_by("-version")
    )
    return Term.objects.prefetch_related(Prefetch("versions", queryset=versions))


def stage_history(*, lead: Lead) -> QuerySet[StageVisit]:
    return lead.visits.select_related("stage").order_by("entered_at", "pk")
