"""Facts a test states outright: "given these facts, the report says X"."""

from collections import defaultdict
from typing import Any

from truce.insights.facts.reducer import MILESTONES
from truce.insights.models import LeadFacts, StageFacts, TouchFacts
from truce.touches.models import Touch


def given_facts(**fields: Any) -> LeadFacts:
    """A lead's facts row as the test gives it, in place of whatever the live upkeep wrote when
    the test made the lead through the services (its stays go too: the test states those)."""
    LeadFacts.objects.filter(lead_id=fields["lead_id"]).delete()
    StageFacts.objects.filter(lead_id=fields["lead_id"]).delete()
    TouchFacts.objects.filter(lead_id=fields["lead_id"]).delete()
    return LeadFacts.objects.create(**fields)


def given_paths() -> None:
    """The paths of leads whose facts a test gave, from the touches it wrote straight into the
    touches table (no events): worked out here, apart from the reducer. Each lead's marketing
    touches numbered in (occurred_at, id) order; per lead their count, and the count of them
    up to each milestone the facts row gives."""
    TouchFacts.objects.all().delete()
    paths: dict[int, list[Touch]] = defaultdict(list)
    for touch in Touch.objects.filter(team="marketing").order_by("occurred_at", "pk"):
        paths[touch.lead_id].append(touch)
    TouchFacts.objects.bulk_create(
        TouchFacts(touch_id=t.pk, lead_id=lead_id, position=n, occurred_at=t.occurred_at,
                   campaign_id=t.campaign_id, channel=t.channel)
        for lead_id, touches in paths.items() for n, t in enumerate(touches, start=1)
    )  # fmt: skip
    for facts in LeadFacts.objects.all():
        times = [t.occurred_at for t in paths[facts.lead_id]]
        facts.marketing_touch_count = len(times)
        for name in MILESTONES:
            at = getattr(facts, f"{name}_at")
            count = None if at is None else sum(1 for t in times if t <= at)
            setattr(facts, f"marketing_by_{name}", count)
        facts.save()
