"""Campaigns, matched by name."""

from typing import Any

from truce.touches.models import Campaign

from ...models import ImportKind
from ..writing import Batch
from .base import (
    CAMPAIGN_FIELDS,
    Counts,
    Row,
    RowProblem,
    Writer,
    apply_changes,
)

# Campaigns


class CampaignWriter(Writer):
    kind = ImportKind.CAMPAIGNS

    def check(self, values: dict[str, Any]) -> dict[str, Any]:
        if values.get("owner"):
            values["owner_id"] = self.refs.user(values["owner"])
        budget = values.get("budget")
        if isinstance(budget, tuple):
            values["budget"] = budget[0]
        starts, ends = values.get("starts_on"), values.get("ends_on")
        if starts and ends and ends < starts:
            raise RowProblem("ends_on", "A campaign cannot end before it starts.")
        return values

    def key(self, values: dict[str, Any]) -> str | None:
        return f"name {values['name']}"

    def apply(self, rows: list[Row], batch: Batch, now: int, *, dry_run: bool) -> Counts:
        counts = Counts()
        names = [v["name"] for _, v in rows]
        columns = ["pk", "name", "owner_id", *CAMPAIGN_FIELDS]
        current = {r["name"]: r for r in Campaign.objects.filter(name__in=names).values(*columns)}
        at = batch.moment(now)
        for line, values in rows:
            wanted = {name: values.get(name) for name in CAMPAIGN_FIELDS}
            wanted["owner_id"] = values.get("owner_id")
            row = current.get(values["name"])
            if row is None:
                counts.created += 1
                if dry_run:
                    continue
                fields = {k: v for k, v in wanted.items() if v is not None}
                campaign = Campaign.objects.create(
                    name=values["name"], created_at=at, updated_at=at, **fields
                )
                self.refs.campaigns[campaign.name] = campaign.pk
                payload = {"name": campaign.name, **fields}
                batch.event("campaign.created", now, "campaign", campaign.pk, payload, line=line)
                continue
            apply_changes(Campaign, row["pk"], row, wanted, batch=batch, now=now, line=line,
                          counts=counts, dry_run=dry_run)  # fmt: skip
        return counts
