from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from truce.identity.models import TeamKey

from .models import Campaign, Touch


def campaigns_visible_to(*, user: Any, search: str = "") -> QuerySet[Campaign]:
    qs = Campaign.objects.select_related("owner")
    if search:
        qs = qs.filter(name__icontains=search)
    return qs


def touches_visible_to(*, user: Any, lead_id: int | None = None) -> QuerySet[Touch]:
    qs = Touch.objects.select_related("campaign", "actor")
    if lead_id is not None:
        qs = qs.filter(lead_id=lead_id)
    return qs


def sales_touch_count_between(*, lead_id: int, start: datetime, end: datetime) -> int:
    return Touch.objects.filter(
        lead_id=lead_id, team=TeamKey.SALES, occurred_at__gte=start, occurred_at__lte=end
    ).count()
