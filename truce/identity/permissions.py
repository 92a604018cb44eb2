"""What each role may do. One table, read by every surface."""

from truce.errors import PermissionDenied

from .models import Role

WRITE_RECORDS = frozenset(
    {Role.ADMIN, Role.MARKETING_OWNER, Role.MARKETER, Role.SALES_OWNER, Role.SALES_REP}
)
# Routing is configured, and leads reassigned by hand, by the owners of either team.
CONFIGURE_ROUTING = frozenset({Role.ADMIN, Role.MARKETING_OWNER, Role.SALES_OWNER})
ASSIGN_LEADS = frozenset({Role.ADMIN, Role.MARKETING_OWNER, Role.SALES_OWNER})
# A lead's owner accepts or rejects it; these roles may also do it for someone else.
DISPOSE_ANY_LEAD = frozenset({Role.ADMIN, Role.SALES_OWNER})
MANAGE_CAMPAIGNS = frozenset({Role.ADMIN, Role.MARKETING_OWNER, Role.MARKETER})
CONFIGURE_FUNNEL = frozenset({Role.ADMIN, Role.MARKETING_OWNER, Role.SALES_OWNER})
MERGE_RECORDS = frozenset({Role.ADMIN, Role.MARKETING_OWNER, Role.SALES_OWNER})
MANAGE_SCORING = frozenset({Role.ADMIN, Role.MARKETING_OWNER, Role.MARKETER})
# Only the two team owners sign the sales-ready definition; an admin may not sign for them.
SIGN_DEFINITION = frozenset({Role.MARKETING_OWNER, Role.SALES_OWNER})
# Webhooks send every matching event out of Truce, whoever's lead it is: admins and the
# marketing owner (who runs marketing operations and the integrations) manage them.
MANAGE_WEBHOOKS = frozenset({Role.ADMIN, Role.MARKETING_OWNER})
# Imports write many records at once, with history: the owners of either team and admins.
IMPORT_RECORDS = frozenset({Role.ADMIN, Role.MARKETING_OWNER, Role.SALES_OWNER})
# A joint plan has two sides: each team's owner edits their own side, an admin either.
PLAN_MARKETING = frozenset({Role.ADMIN, Role.MARKETING_OWNER})
PLAN_SALES = frozenset({Role.ADMIN, Role.SALES_OWNER})
# Joint reviews (and the plans themselves) are opened and recorded by either owner.
REVIEW_PLANS = frozenset({Role.ADMIN, Role.MARKETING_OWNER, Role.SALES_OWNER})
# The team pulse: everyone may post and answer the survey; the leaders answer posts publicly.
TAKE_PULSE = frozenset(Role)
ANSWER_PULSE = frozenset({Role.ADMIN, Role.MARKETING_OWNER, Role.SALES_OWNER})
# Playbooks: everyone reads them; the owners of either team and admins write any of them (a
# playbook's own owner may also edit and review it: see playbooks/services.py).
EDIT_PLAYBOOKS = frozenset({Role.ADMIN, Role.MARKETING_OWNER, Role.SALES_OWNER})

_ACTIONS = {
    "write_records": WRITE_RECORDS,
    "configure_routing": CONFIGURE_ROUTING,
    "assign_leads": ASSIGN_LEADS,
    "dispose_any_lead": DISPOSE_ANY_LEAD,
    "manage_campaigns": MANAGE_CAMPAIGNS,
    "configure_funnel": CONFIGURE_FUNNEL,
    "merge_records": MERGE_RECORDS,
    "manage_scoring": MANAGE_SCORING,
    "sign_definition": SIGN_DEFINITION,
    "manage_webhooks": MANAGE_WEBHOOKS,
    "import_records": IMPORT_RECORDS,
    "plan_marketing": PLAN_MARKETING,
    "plan_sales": PLAN_SALES,
    "review_plans": REVIEW_PLANS,
    "take_pulse": TAKE_PULSE,
    "answer_pulse": ANSWER_PULSE,
    "edit_playbooks": EDIT_PLAYBOOKS,
}
# What the navigation shows links for (the pages themselves check again).
NAV_ACTIONS = ("manage_campaigns", "manage_webhooks", "import_records")


def can(user, action: str) -> bool:
    """A system actor (None) may do anything; a user needs a role listed for the action."""
    if user is None:
        return True
    if not user.is_active:
        return False
    return user.is_superuser or user.role in _ACTIONS[action]


def require(user, action: str) -> None:
    if not can(user, action):
        role = getattr(user, "role", "?")
        raise PermissionDenied(f"The {role} role may not {action.replace('_', ' ')}.")
