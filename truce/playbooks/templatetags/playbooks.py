"""`{% playbooks_for_lead lead %}`: the playbooks for the lead's current stage, shown where the
work happens (the lead page)."""

from typing import Any

from django import template

from truce.playbooks import selectors

register = template.Library()


@register.inclusion_tag("playbooks/partials/for_lead.html")
def playbooks_for_lead(lead: Any) -> dict[str, Any]:
    return {"lead": lead, "playbooks": selectors.for_stage(stage_id=lead.stage_id)}
