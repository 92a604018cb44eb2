"""Row layouts of the people tables for set-based inserts (seeding, import): every column a
raw INSERT or COPY must name, in this order."""

COMPANY_COLUMNS = (
    "id", "name", "domain", "industry", "employees", "country", "created_at", "updated_at",
    "merged_into_id",
)  # fmt: skip
CONTACT_COLUMNS = (
    "id", "email", "email_key", "first_name", "last_name", "phone", "title", "country",
    "created_at", "updated_at", "company_id", "merged_into_id",
)  # fmt: skip
