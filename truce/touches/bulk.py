"""The touch and campaign tables' row layouts for set-based inserts (seeding, import)."""

TOUCH_COLUMNS = (
    "id", "kind", "channel", "team", "occurred_at", "collateral", "note", "created_at",
    "actor_id", "campaign_id", "contact_id", "lead_id",
)  # fmt: skip

CAMPAIGN_COLUMNS = (
    "id", "name", "channel", "product_line", "budget", "starts_on", "ends_on", "owner_id",
    "created_at", "updated_at",
)  # fmt: skip
