"""Fit and engagement scores from configurable rules. Every score carries the rules behind it.

A fit rule is a rule-engine expression over the lead's facts (`funnel.rules.lead_facts`); it
adds its points when it holds. An engagement rule matches touches by kind (and optionally
channel and campaign); each matching touch adds `points × 0.5^(age_days / half_life_days)`.
Each rule's total is rounded half-up to an integer, so the explanation sums to the score.
"""

import functools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import rule_engine
from django.db import transaction
from django.utils import timezone

from truce.errors import DomainError
from truce.funnel.errors import InvalidRule
from truce.funnel.models import Lead
from truce.funnel.rules import FACT_NAMES, compile_rule, lead_facts
from truce.identity.permissions import require
from truce.ledger import services as ledger
from truce.touches.models import Campaign, Touch, TouchKind

from .models import RuleKind, ScoringRule

MAX_POINTS = 1000
RULE_FIELDS = (
    "name",
    "points",
    "expression",
    "touch_kind",
    "channel",
    "campaign",
    "half_life_days",
    "is_active",
)
SCORE_FIELDS = ["fit_score", "engagement_score", "score", "score_explanation", "scored_at"]


def _resolve(name: str) -> rule_engine.DataType:
    if name not in FACT_NAMES:
        raise rule_engine.SymbolResolutionError(name)
    return rule_engine.DataType.UNDEFINED


# Same language as the stage entry criteria, but a name lead_facts does not give is an error.
_CHECKED = rule_engine.Context(
    type_resolver=_resolve,
    default_value=None,
    default_timezone="UTC",
    mapping_attribute_lookup=False,
)


@functools.lru_cache(maxsize=512)
def _compiled(text: str) -> rule_engine.Rule:
    return rule_engine.Rule(text, context=_CHECKED)


def compile_lead_rule(text: str, *, field: str = "rule") -> rule_engine.Rule:
    """A rule over the lead's facts, or InvalidRule saying where and why it is wrong."""
    text = (text or "").strip()
    if not text:
        raise InvalidRule("A rule is required.", field=field)
    compile_rule(text, field=field)  # syntax errors, with their position
    try:
        return _compiled(text)
    except rule_engine.SymbolResolutionError as exc:
        position = text.find(exc.symbol_name) + 1
        raise InvalidRule(
            f"Unknown name {exc.symbol_name!r} at position {position} in rule {text!r}; "
            f"the names a rule may use are listed in docs/reference/rules.md.",
            field=field,
        ) from None
    except rule_engine.EngineError as exc:
        raise InvalidRule(f"Invalid rule {text!r}: {exc.message}.", field=field) from None


def rule_holds(text: str, facts: dict[str, Any]) -> bool:
    """A rule that cannot be evaluated for these facts (a missing fact, say) does not hold."""
    try:
        return bool(_compiled(text).matches(facts))
    except rule_engine.EngineError:
        return False


# Arithmetic: pure functions, property-tested.


def decayed(points: int, age_days: float, half_life_days: int | None) -> float:
    if half_life_days is None:
        return float(points)
    return points * 0.5 ** (max(age_days, 0.0) / half_life_days)


def round_half_up(value: float) -> int:
    return int(Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class TouchFact:
    kind: str
    channel: str
    campaign_id: int | None
    occurred_at: datetime


@dataclass(frozen=True)
class Score:
    fit: int
    engagement: int
    explanation: list[dict[str, Any]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.fit + self.engagement


def _touch_matches(rule: ScoringRule, touch: TouchFact) -> bool:
    return (
        touch.kind == rule.touch_kind
        and (not rule.channel or touch.channel.lower() == rule.channel.lower())
        and (rule.campaign_id is None or touch.campaign_id == rule.campaign_id)
    )


def engagement_points(rule: ScoringRule, touches: Iterable[TouchFact], now: datetime) -> int:
    total = sum(
        decayed(rule.points, (now - t.occurred_at).total_seconds() / 86400, rule.half_life_days)
        for t in touches
        if t.occurred_at <= now and _touch_matches(rule, t)
    )
    return round_half_up(total)


def _line(rule: ScoringRule, points: int) -> dict[str, Any]:
    return {"rule_id": rule.pk, "name": rule.name, "kind": rule.kind, "points": points}


def compute_score(
    *,
    facts: dict[str, Any],
    touches: Sequence[TouchFact],
    rules: Sequence[ScoringRule],
    now: datetime,
) -> Score:
    """The score for these facts and touches as of `now`; a rule worth 0 points is left out."""
    lines = []
    for rule in rules:
        if rule.kind == RuleKind.FIT:
            points = rule.points if rule_holds(rule.expression, facts) else 0
        else:
            points = engagement_points(rule, touches, now)
        if points:
            lines.append(_line(rule, points))
    fit = sum(line["points"] for line in lines if line["kind"] == RuleKind.FIT)
    engagement = sum(line["points"] for line in lines if line["kind"] == RuleKind.ENGAGEMENT)
    return Score(fit=fit, engagement=engagement, explanation=lines)


# Scoring leads.


def active_rules() -> list[ScoringRule]:
    """Fit rules first, then engagement rules, each in the order they were written."""
    rules = ScoringRule.objects.filter(is_active=True).order_by("pk")
    return sorted(rules, key=lambda rule: rule.kind != RuleKind.FIT)


def _touch_facts(
    lead_ids: Sequence[int], rules: Sequence[ScoringRule]
) -> dict[int, list[TouchFact]]:
    kinds = {r.touch_kind for r in rules if r.kind == RuleKind.ENGAGEMENT}
    found: dict[int, list[TouchFact]] = defaultdict(list)
    if not kinds:
        return found
    rows = Touch.objects.filter(lead_id__in=lead_ids, kind__in=kinds).values_list(
        "lead_id", "kind", "channel", "campaign_id", "occurred_at"
    )
    for lead_id, kind, channel, campaign_id, occurred_at in rows:
        found[lead_id].append(TouchFact(kind, channel, campaign_id, occurred_at))
    return found


def _apply(lead: Lead, score: Score, rules: Sequence[ScoringRule], now: datetime) -> bool | None:
    """Put the score on the lead. None: nothing to save; False: only the explanation moved."""
    if lead.score_explanation is None and not rules:
        return None  # scoring was never configured: a score set by hand stands
    before = (lead.fit_score, lead.engagement_score, lead.score)
    if before == (score.fit, score.engagement, score.total) and (
        lead.score_explanation == score.explanation
    ):
        return None
    lead.fit_score, lead.engagement_score, lead.score = score.fit, score.engagement, score.total
    lead.score_explanation, lead.scored_at = score.explanation, now
    return before != (score.fit, score.engagement, score.total)


def _scored_event(lead: Lead, before: tuple[int, int, int], actor: Any, now: datetime) -> Any:
    return ledger.NewEvent(
        kind="lead.scored",
        subject_type="lead",
        subject_id=lead.pk,
        lead_id=lead.pk,
        actor_id=getattr(actor, "pk", None),
        occurred_at=now,
        payload={
            "fit": lead.fit_score,
            "engagement": lead.engagement_score,
            "score": lead.score,
            "previous": {"fit": before[0], "engagement": before[1], "score": before[2]},
        },
    )


@transaction.atomic
def rescore_leads(*, leads: Sequence[Lead], actor: Any, now: datetime | None = None) -> list[int]:
    """Recompute the scores of these leads (loaded with their contact, company, stage, owner and
    campaign, and locked by the caller); returns the ids whose score changed."""
    now = now or timezone.now()
    rules = active_rules()
    touches = _touch_facts([lead.pk for lead in leads], rules)
    dirty, events, changed = [], [], []
    for lead in leads:
        before = (lead.fit_score, lead.engagement_score, lead.score)
        score = compute_score(
            facts=lead_facts(lead), touches=touches.get(lead.pk, []), rules=rules, now=now
        )
        moved = _apply(lead, score, rules, now)
        if moved is None:
            continue
        dirty.append(lead)
        if moved:
            changed.append(lead.pk)
            events.append(_scored_event(lead, before, actor, now))
    Lead.objects.bulk_update(dirty, SCORE_FIELDS, batch_size=200)
    ledger.append_many(events)
    return changed


def score_lead(*, lead: Lead, actor: Any, now: datetime | None = None) -> bool:
    """Recompute one lead's score; True when its value changed (and `lead.scored` was written)."""
    return bool(rescore_leads(leads=[lead], actor=actor, now=now))


# Configuring the rules.


def _clean_rule(values: dict[str, Any]) -> dict[str, Any]:
    values = dict(values)
    for name in ("name", "expression", "touch_kind", "channel"):
        if name in values:
            values[name] = str(values[name] or "").strip()
    return values


def _check_rule(rule: ScoringRule) -> None:
    if rule.kind not in RuleKind.values:
        raise DomainError(f"{rule.kind!r} is not a rule kind; use fit or engagement.", field="kind")
    if not rule.name:
        raise DomainError("A scoring rule needs a name.", field="name")
    if not isinstance(rule.points, int) or not -MAX_POINTS <= rule.points <= MAX_POINTS:
        raise DomainError(f"Points must be between -{MAX_POINTS} and {MAX_POINTS}.", field="points")
    if rule.kind == RuleKind.FIT:
        _check_fit(rule)
    else:
        _check_engagement(rule)


def _check_fit(rule: ScoringRule) -> None:
    compile_lead_rule(rule.expression, field="expression")
    if rule.touch_kind or rule.channel or rule.campaign_id or rule.half_life_days is not None:
        raise DomainError(
            "A fit rule has an expression only; touch kind, channel, campaign and half-life "
            "belong to engagement rules.",
            field="touch_kind",
        )


def _check_engagement(rule: ScoringRule) -> None:
    if rule.touch_kind not in TouchKind.values:
        raise DomainError(
            f"{rule.touch_kind!r} is not a touch kind; use one of {', '.join(TouchKind.values)}.",
            field="touch_kind",
        )
    if rule.expression:
        raise DomainError(
            "An engagement rule matches touches; it has no expression.", field="expression"
        )
    if rule.half_life_days is not None and rule.half_life_days < 1:
        raise DomainError(
            "The half-life is a whole number of days, at least 1.", field="half_life_days"
        )


def _ref(value: Any) -> Any:
    return value.pk if isinstance(value, Campaign) else value


def _rule_event(rule: ScoringRule, kind: str, actor: Any, payload: dict[str, Any]) -> None:
    ledger.append(
        kind=kind, subject_type="scoring_rule", subject_id=rule.pk, actor=actor, payload=payload
    )


def _rescore_later() -> None:
    from .tasks import rescore_all

    transaction.on_commit(rescore_all.enqueue)


@transaction.atomic
def create_rule(
    *,
    actor: Any,
    kind: str,
    name: str,
    points: int,
    expression: str = "",
    touch_kind: str = "",
    channel: str = "",
    campaign: Campaign | None = None,
    half_life_days: int | None = None,
) -> ScoringRule:
    require(actor, "manage_scoring")
    values = _clean_rule(
        {
            "kind": kind,
            "name": name,
            "points": points,
            "expression": expression,
            "touch_kind": touch_kind,
            "channel": channel,
            "campaign": campaign,
            "half_life_days": half_life_days,
        }
    )
    now = timezone.now()
    rule = ScoringRule(
        created_by=actor if getattr(actor, "pk", None) else None,
        created_at=now,
        updated_at=now,
        **values,
    )
    _check_rule(rule)
    rule.save()
    _rule_event(rule, "scoring_rule.created", actor, {k: _ref(v) for k, v in values.items()})
    _rescore_later()
    return rule


@transaction.atomic
def update_rule(*, rule: ScoringRule, actor: Any, changes: dict[str, Any]) -> ScoringRule:
    """Change a rule (its kind stays); `is_active: false` deactivates it, history kept."""
    require(actor, "manage_scoring")
    unknown = sorted(set(changes) - set(RULE_FIELDS))
    if unknown:
        raise DomainError(f"{unknown[0]!r} cannot be updated.", field=unknown[0])
    rule = ScoringRule.objects.select_for_update().get(pk=rule.pk)
    changes = _clean_rule(changes)
    diff = {
        k: [_ref(getattr(rule, k)), _ref(v)] for k, v in changes.items() if getattr(rule, k) != v
    }
    if not diff:
        return rule
    for name, value in changes.items():
        setattr(rule, name, value)
    _check_rule(rule)
    rule.updated_at = timezone.now()
    rule.save(update_fields=[*changes, "updated_at"])
    kind = "scoring_rule.deactivated" if diff.get("is_active") == [True, False] else None
    _rule_event(rule, kind or "scoring_rule.updated", actor, {"changes": diff})
    _rescore_later()
    return rule


def deactivate_rule(*, rule: ScoringRule, actor: Any) -> ScoringRule:
    return update_rule(rule=rule, actor=actor, changes={"is_active": False})
