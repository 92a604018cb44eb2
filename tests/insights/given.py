"""Facts a test states outright: "given these facts, the report says X"."""

from typing import Any

from truce.insights.models import LeadFacts, StageFacts


def given_facts(**fields: Any) -> LeadFacts:
    """A lead's facts row as the test gives it, in place of whatever the live upkeep wrote when
    the test made the lead through the services (its stays go too: the test states those)."""
    LeadFacts.objects.filter(lead_id=fields["lead_id"]).delete()
    StageFacts.objects.filter(lead_id=fields["lead_id"]).delete()
    return LeadFacts.objects.create(**fields)
