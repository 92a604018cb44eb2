"""Every product URL plus /floor/leads: 50 lead rows as JSON with nothing but plain Django.

It reads the same columns (and joins) as `GET /api/v1/leads` with the same ordering, so the
difference between the two is what the API layer (auth, schemas, pagination) costs.
"""

from django.http import HttpRequest, JsonResponse
from django.urls import include, path

from truce.funnel.models import Lead

COLUMNS = (
    "id", "contact_id", "contact__email", "contact__first_name", "contact__last_name",
    "company_id", "company__name", "company__domain", "source", "campaign_id",
    "owner__username", "stage__key", "stage_entered_at", "score", "facts", "product_line",
    "amount", "outcome", "outcome_reason__key", "outcome_at", "touch_count",
    "sales_touch_count", "first_touch_at", "last_touch_at", "first_sales_touch_at",
    "created_at", "updated_at",
)  # fmt: skip


def floor_leads(request: HttpRequest) -> JsonResponse:
    rows = list(Lead.objects.order_by("-pk").values(*COLUMNS)[:50])
    return JsonResponse({"items": rows})


urlpatterns = [
    path("floor/leads", floor_leads),
    path("", include("truce.urls")),
]
