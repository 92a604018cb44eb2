from typing import Any

from django.db.models import QuerySet

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
