"""Stage entry criteria, written in rule-engine's safe expression language (never eval)."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import rule_engine

from .errors import InvalidRule

# Names are flat (`company_employees`), facts are a mapping read as `facts['budget']`.
_CONTEXT = rule_engine.Context(
    default_value=None, default_timezone="UTC", mapping_attribute_lookup=False
)


@dataclass(frozen=True)
class Criterion:
    name: str
    rule: str


def compile_rule(text: str, *, field: str = "rule") -> rule_engine.Rule:
    try:
        return rule_engine.Rule(text, context=_CONTEXT)
    except rule_engine.RuleSyntaxError as exc:
        token = exc.token
        where = f"at position {token.lexpos + 1} ({token.value!r})" if token else "at the end"
        raise InvalidRule(f"Syntax error {where} in rule {text!r}.", field=field) from None
    except rule_engine.EngineError as exc:
        raise InvalidRule(f"Invalid rule {text!r}: {exc.message}.", field=field) from None


def parse_criteria(raw: Any) -> list[Criterion]:
    if not isinstance(raw, list):
        raise InvalidRule("Entry criteria must be a list of {name, rule}.", field="entry_criteria")
    criteria = []
    for index, item in enumerate(raw):
        field = f"entry_criteria[{index}]"
        if not isinstance(item, dict) or not item.get("name") or not item.get("rule"):
            raise InvalidRule("Each criterion needs a name and a rule.", field=field)
        compile_rule(item["rule"], field=f"{field}.rule")
        criteria.append(Criterion(name=str(item["name"]), rule=str(item["rule"])))
    return criteria


def first_failure(criteria: list[Criterion], facts: dict[str, Any]) -> tuple[Criterion, str] | None:
    """The first criterion the facts do not satisfy, with why, or None when all hold."""
    for criterion in criteria:
        try:
            if not compile_rule(criterion.rule).matches(facts):
                return criterion, "it evaluated to false"
        except rule_engine.EngineError as exc:
            return criterion, f"it could not be evaluated: {exc.message}"
    return None


def lead_facts(lead: Any) -> dict[str, Any]:
    """The names a rule may use. Documented in docs/reference/rules.md."""
    contact, company = lead.contact, lead.company
    return {
        "source": lead.source or None,
        "campaign": lead.campaign.name if lead.campaign_id else None,
        "owner": lead.owner.username if lead.owner_id else None,
        "stage": lead.stage.key,
        "score": lead.score,
        "fit_score": lead.fit_score,
        "engagement_score": lead.engagement_score,
        "product_line": lead.product_line or None,
        "amount": Decimal(lead.amount) if lead.amount is not None else None,
        "facts": dict(lead.facts or {}),
        "touches": lead.touch_count,
        "sales_touches": lead.sales_touch_count,
        "contact_email": contact.email or None,
        "contact_country": contact.country or None,
        "contact_title": contact.title or None,
        "company_name": company.name if company else None,
        "company_domain": company.domain if company else None,
        "company_employees": company.employees if company else None,
        "company_industry": (company.industry or None) if company else None,
        "company_country": (company.country or None) if company else None,
    }


# The names lead_facts gives a rule; a scoring rule or definition naming anything else is refused.
FACT_NAMES = frozenset(
    {
        "source",
        "campaign",
        "owner",
        "stage",
        "score",
        "fit_score",
        "engagement_score",
        "product_line",
        "amount",
        "facts",
        "touches",
        "sales_touches",
        "contact_email",
        "contact_country",
        "contact_title",
        "company_name",
        "company_domain",
        "company_employees",
        "company_industry",
        "company_country",
    }
)
