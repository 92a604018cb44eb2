from datetime import datetime
from typing import Any

from django.db.models import Prefetch, QuerySet

from .models import Agreement, Commitment


def agreement_in_force(*, at: datetime | None = None) -> Agreement | None:
    """The signed version in force now (or at `at`), with its commitments and calendar."""
    qs = Agreement.objects.filter(in_force_from__isnull=False).select_related("calendar")
    if at is None:
        qs = qs.filter(superseded_at__isnull=True)
    else:
        qs = qs.filter(in_force_from__lte=at).exclude(superseded_at__lte=at)
    return qs.prefetch_related("commitments").order_by("-version").first()


def agreements(*, user: Any = None) -> QuerySet[Agreement]:
    commitments = Commitment.objects.order_by("team", "pk")
    return Agreement.objects.select_related(
        "calendar", "marketing_signed_by", "sales_signed_by", "created_by"
    ).prefetch_related(Prefetch("commitments", queryset=commitments))
