"""The ledger event kinds a webhook may subscribe to.

A subscription names exact kinds (`lead.created`), a namespace wildcard (`lead.*`: every kind
starting with `lead.`, including kinds added later) or `*` (everything). Exact kinds must be in
`KNOWN`, so a typo is refused instead of silently never matching; an app that starts writing a
new kind adds it here (a wildcard on its namespace already receives it).
"""

from collections.abc import Iterable

ALL = "*"

KNOWN = frozenset(
    {
        "agreement.created",
        "agreement.in_force",
        "agreement.signed",
        "agreement.superseded",
        "calendar.created",
        "calendar.day_off_added",
        "campaign.created",
        "campaign.updated",
        "clock.breached",
        "clock.escalated",
        "clock.met",
        "company.created",
        "company.merged",
        "company.updated",
        "contact.created",
        "contact.merged",
        "contact.updated",
        "definition.created",
        "definition.in_force",
        "definition.signed",
        "definition.superseded",
        "glossary.version_approved",
        "glossary.version_proposed",
        "lead.accepted",
        "lead.assigned",
        "lead.company_merged",
        "lead.contact_merged",
        "lead.created",
        "lead.outcome_set",
        "lead.qualified",
        "lead.reassigned",
        "lead.rejected",
        "lead.reopened",
        "lead.routed",
        "lead.scored",
        "lead.stage_changed",
        "lead.unroutable",
        "lead.updated",
        "reason.added",
        "routing.member_added",
        "routing.member_removed",
        "routing.member_updated",
        "routing.pool_created",
        "routing.pool_updated",
        "routing.rule_created",
        "routing.rule_deleted",
        "routing.rule_updated",
        "scoring_rule.created",
        "scoring_rule.deactivated",
        "scoring_rule.updated",
        "stage.created",
        "stage.updated",
        "token.created",
        "token.revoked",
        "touch.recorded",
        "touch.updated",
        "user.created",
        "webhook.created",
        "webhook.deleted",
        "webhook.paused",
        "webhook.redelivery_requested",
        "webhook.resumed",
        "webhook.secret_rotated",
        "webhook.updated",
    }
)
NAMESPACES = frozenset(kind.split(".", 1)[0] for kind in KNOWN)


def problem(kind: str) -> str | None:
    """Why `kind` cannot be subscribed to, or None when it can."""
    if kind == ALL:
        return None
    if kind.endswith(".*"):
        namespace = kind[:-2]
        if namespace in NAMESPACES:
            return None
        return f"No event kinds start with {namespace + '.'!r}."
    if kind in KNOWN:
        return None
    return f"{kind!r} is not an event kind (see the list in docs/how-to/webhooks.md)."


def matches(patterns: Iterable[str], kind: str) -> bool:
    wanted = {ALL, kind, kind.split(".", 1)[0] + ".*"}
    return any(p in wanted for p in patterns)
