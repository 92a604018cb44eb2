"""What the model sees of a lead, and only what was known before the lead's outcome.

A closed lead's touches count only when they happened strictly before its outcome, and its
facts are the ones the ledger had recorded before it (a deal's attributes filled in when it
was won would otherwise give the outcome away); an open lead's count up to now.
Left out on purpose: the stage (a closed lead sits in its final stage), the amount, the
outcome reason, the disposition (sales' verdict often *is* the outcome) and the lead's age
(closed leads stopped ageing at their outcome, open ones did not).
"""

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from django.db.models import Count, F, Min, Q, QuerySet

from truce.funnel.models import Lead, Outcome
from truce.identity.models import TeamKey
from truce.ledger import selectors as ledger_selectors
from truce.touches.models import Touch, TouchKind

WON = (Outcome.WON,)
# Recycled leads are left out: recycling sends a lead back to nurture, which says "not yet",
# not "no"; counting it as lost would teach the model that nurture is failure.
LOST = (Outcome.LOST, Outcome.DISQUALIFIED)
MISSING = "(none)"
BATCH = 2000
MAX_FACTS = 20
MIN_FACT_SHARE = 0.05

FREE_EMAIL_DOMAINS = frozenset(
    {
        "gmail.com", "googlemail.com", "yahoo.com", "yahoo.fr", "yahoo.co.uk", "hotmail.com",
        "hotmail.fr", "outlook.com", "live.com", "msn.com", "aol.com", "icloud.com", "me.com",
        "mac.com", "proton.me", "protonmail.com", "gmx.com", "gmx.de", "gmx.net", "web.de",
        "mail.com", "yandex.com", "yandex.ru", "mail.ru", "zoho.com", "qq.com", "163.com",
        "uol.com.br", "bol.com.br", "terra.com.br", "ig.com.br", "orange.fr", "free.fr",
    }
)  # fmt: skip

CATEGORICAL = ("source", "channel", "campaign", "product_line", "email", "industry")
TOUCH_KINDS = tuple(f"touches_{kind}" for kind in TouchKind.values)
NUMERIC = (
    "fit_score",
    "engagement_score",
    "employees",
    "touches",
    "marketing_touches",
    "sales_touches",
    *TOUCH_KINDS,
    "days_to_first_touch",
)
LABELS = {
    "source": "Source",
    "channel": "Campaign channel",
    "campaign": "Campaign",
    "product_line": "Product line",
    "email": "Email address",
    "industry": "Company industry",
    "fit_score": "Fit score",
    "engagement_score": "Engagement score",
    "employees": "Company employees (log scale)",
    "touches": "Touches",
    "marketing_touches": "Marketing touches",
    "sales_touches": "Sales touches",
    "days_to_first_touch": "Days from creation to first touch",
    **{f"touches_{k}": f"{label} touches" for k, label in TouchKind.choices},
}

_LEAD_FIELDS = (
    "pk",
    "source",
    "campaign__name",
    "campaign__channel",
    "product_line",
    "fit_score",
    "engagement_score",
    "facts",
    "contact__email",
    "company__industry",
    "company__employees",
    "created_at",
    "outcome",
    "outcome_at",
)


@dataclass(frozen=True)
class Example:
    lead_id: int
    features: dict[str, Any]
    label: int | None  # 1 won, 0 lost or disqualified, None still open


def label(name: str) -> str:
    if name.startswith("fact:"):
        return f"Fact {name[5:]}"
    return LABELS.get(name, name)


def email_kind(email: str) -> str:
    domain = email.rpartition("@")[2].strip().lower()
    if not domain:
        return MISSING
    return "free" if domain in FREE_EMAIL_DOMAINS else "company"


def _lead_features(row: dict[str, Any], facts: dict[str, Any]) -> dict[str, Any]:
    employees = row["company__employees"]
    features: dict[str, Any] = {
        "source": row["source"] or MISSING,
        "channel": row["campaign__channel"] or MISSING,
        "campaign": row["campaign__name"] or MISSING,
        "product_line": row["product_line"] or MISSING,
        "email": email_kind(row["contact__email"] or ""),
        "industry": row["company__industry"] or MISSING,
        "fit_score": float(row["fit_score"]),
        "engagement_score": float(row["engagement_score"]),
        "employees": math.log1p(employees) if employees is not None else math.nan,
    }
    for key, value in facts.items():
        if _usable_fact(key, value):
            features[f"fact:{key}"] = value
    return features


def _usable_fact(key: str, value: Any) -> bool:
    return isinstance(key, str) and "=" not in key and isinstance(value, str | int | float | bool)


def _touch_features(rows: list[dict[str, Any]], created_at: datetime) -> dict[str, Any]:
    counts = {name: 0.0 for name in ("touches", "marketing_touches", "sales_touches")}
    counts.update({name: 0.0 for name in TOUCH_KINDS})
    first: datetime | None = None
    for row in rows:
        counts["touches"] += row["n"]
        team = "sales_touches" if row["team"] == TeamKey.SALES else "marketing_touches"
        counts[team] += row["n"]
        counts[f"touches_{row['kind']}"] = counts.get(f"touches_{row['kind']}", 0.0) + row["n"]
        first = row["first"] if first is None else min(first, row["first"])
    days = (first - created_at).total_seconds() / 86400 if first else math.nan
    return {**counts, "days_to_first_touch": days}


def _touches_before(lead_ids: Sequence[int], now: datetime) -> dict[int, list[dict[str, Any]]]:
    """Touches of these leads known before each one's outcome (an open lead's: up to now)."""
    before = Q(lead__outcome_at__isnull=True, occurred_at__lte=now) | Q(
        lead__outcome_at__isnull=False, occurred_at__lt=F("lead__outcome_at")
    )
    rows = (
        Touch.objects.filter(before, lead_id__in=lead_ids)
        .values("lead_id", "team", "kind")
        .annotate(n=Count("id"), first=Min("occurred_at"))
        .order_by()
    )
    found: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        found.setdefault(row["lead_id"], []).append(dict(row))
    return found


def _written_facts(kind: str, payload: dict[str, Any]) -> Any:
    if kind == "lead.created":
        return payload.get("facts")
    change = (payload.get("changes") or {}).get("facts")
    return change[1] if isinstance(change, list) and len(change) == 2 else None


def _facts_before_outcome(rows: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """Each closed lead's facts as last written strictly before its outcome, from the ledger."""
    closing = {row["pk"]: row["outcome_at"] for row in rows if row["outcome_at"] is not None}
    known: dict[int, dict[str, Any]] = {pk: {} for pk in closing}
    if not closing:
        return known
    events = (
        ledger_selectors.subject_events(subject_type="lead", subject_ids=list(closing))
        .filter(kind__in=("lead.created", "lead.updated"))
        .values_list("subject_id", "kind", "occurred_at", "payload")
    )
    for lead_id, kind, occurred_at, payload in events:
        facts = _written_facts(kind, payload or {})
        if occurred_at < closing[lead_id] and isinstance(facts, dict):
            known[lead_id] = facts
    return known


def _batches(leads: QuerySet[Lead]) -> Iterator[list[dict[str, Any]]]:
    last = 0
    while True:
        rows = list(leads.filter(pk__gt=last).order_by("pk").values(*_LEAD_FIELDS)[:BATCH])
        if not rows:
            return
        yield rows
        last = rows[-1]["pk"]


def examples(leads: QuerySet[Lead], now: datetime) -> Iterator[list[Example]]:
    """The leads as examples, a batch at a time (two queries per batch, three with closed
    leads)."""
    for rows in _batches(leads):
        touches = _touches_before([row["pk"] for row in rows], now)
        facts = _facts_before_outcome(rows)
        yield [
            Example(
                lead_id=row["pk"],
                features={
                    **_lead_features(row, facts.get(row["pk"], row["facts"] or {})),
                    **_touch_features(touches.get(row["pk"], []), row["created_at"]),
                },
                label=1 if row["outcome"] in WON else 0 if row["outcome"] in LOST else None,
            )
            for row in rows
        ]


def closed_leads(now: datetime) -> QuerySet[Lead]:
    return Lead.objects.filter(outcome__in=[*WON, *LOST], outcome_at__lte=now)


def open_leads() -> QuerySet[Lead]:
    return Lead.objects.filter(outcome=Outcome.OPEN)


def training_examples(now: datetime) -> list[Example]:
    return [example for batch in examples(closed_leads(now), now) for example in batch]


# Which columns the model has, decided once from the training examples and kept with it.


def _fact_columns(found: Sequence[Example]) -> tuple[list[str], list[str]]:
    values: dict[str, list[Any]] = {}
    for example in found:
        for name, value in example.features.items():
            if name.startswith("fact:"):
                values.setdefault(name, []).append(value)
    least = max(1, math.ceil(MIN_FACT_SHARE * len(found)))
    common = sorted(values, key=lambda name: (-len(values[name]), name))
    common = [name for name in common if len(values[name]) >= least][:MAX_FACTS]
    numeric = [name for name in common if all(_is_number(v) for v in values[name])]
    categorical = [name for name in common if name not in numeric]
    return sorted(categorical), sorted(numeric)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def feature_spec(found: Sequence[Example]) -> dict[str, list[str]]:
    categorical, numeric = _fact_columns(found)
    return {"categorical": [*CATEGORICAL, *categorical], "numeric": [*NUMERIC, *numeric]}


def _categorical(value: Any) -> str:
    if value is None or value == "":
        return MISSING
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _numeric(value: Any) -> float:
    return float(value) if _is_number(value) else math.nan


def matrix(found: Sequence[Example], spec: dict[str, list[str]]) -> np.ndarray:
    """One row per example, the spec's categorical columns (text) then its numeric ones."""
    rows = [
        [_categorical(e.features.get(name)) for name in spec["categorical"]]
        + [_numeric(e.features.get(name)) for name in spec["numeric"]]
        for e in found
    ]
    width = len(spec["categorical"]) + len(spec["numeric"])
    return np.array(rows, dtype=object).reshape(len(rows), width)
