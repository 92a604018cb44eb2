"""Row layouts of the funnel's tables for set-based inserts (seeding, import): every column
a raw INSERT or COPY must name, in this order."""

LEAD_COLUMNS = (
    "id", "source", "stage_entered_at", "score", "facts", "product_line", "amount", "outcome",
    "outcome_at", "external_id", "touch_count", "sales_touch_count", "first_touch_at",
    "last_touch_at", "first_sales_touch_at", "created_at", "updated_at", "campaign_id",
    "company_id", "contact_id", "owner_id", "outcome_reason_id", "stage_id", "fit_score",
    "engagement_score", "assigned_at", "qualified_at", "disposition", "disposition_reason_id",
    "disposition_at",
)  # fmt: skip
VISIT_COLUMNS = ("id", "entered_at", "exited_at", "lead_id", "stage_id")
