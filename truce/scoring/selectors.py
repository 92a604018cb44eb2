"""Reads for scoring: the rules, and a lead's score with the rules that produced it."""

from django.db.models import QuerySet

from truce.errors import NotFound

from .models import ScoringRule


def scoring_rules(*, kind: str = "", active: bool | None = None) -> QuerySet[ScoringRule]:
    """Scoring rules are configuration every signed-in user may read."""
    qs = ScoringRule.objects.select_related("campaign", "created_by").order_by("kind", "pk")
    if kind:
        qs = qs.filter(kind=kind)
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs


def get_rule(*, rule_id: int) -> ScoringRule:
    rule = scoring_rules().filter(pk=rule_id).first()
    if rule is None:
        raise NotFound(f"No scoring rule with id {rule_id}.", field="rule_id")
    return rule
