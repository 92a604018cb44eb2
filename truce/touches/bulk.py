"""The touch table's row layout for set-based inserts (seeding, import)."""

TOUCH_COLUMNS = (
    "id", "kind", "channel", "team", "occurred_at", "collateral", "note", "created_at",
    "actor_id", "campaign_id", "contact_id", "lead_id",
)  # fmt: skip
