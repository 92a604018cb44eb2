"""Leads: matched by external id, else the contact's open lead; new leads with their contact,
company, stage visit and events."""

from decimal import Decimal
from typing import Any

from truce.funnel.bulk import LEAD_COLUMNS, VISIT_COLUMNS
from truce.funnel.models import Lead, Outcome, StageVisit
from truce.ledger.bulk import plain_payload_text
from truce.touches.bulk import CAMPAIGN_COLUMNS
from truce.touches.models import Campaign

from ...models import ImportKind
from ..writing import Batch, ids_by_key, values_of
from .base import LEAD_FIELDS, Counts, Row, RowProblem, Writer, changes_of, update_record
from .people import Companies, Contacts, check_company, check_contact

# Leads


class LeadWriter(Writer):
    kind = ImportKind.LEADS
    pipelined = True

    def check(self, values: dict[str, Any]) -> dict[str, Any]:
        check_contact(values)
        check_company(values)
        refs = self.refs
        if values.get("stage"):
            values["stage"] = refs.stage(values["stage"]).key  # a key: rows are pickled
        if values.get("owner"):
            values["owner_id"] = refs.user(values["owner"])
        if values.get("campaign"):
            refs.campaign(values["campaign"])
        amount = values.get("amount")
        if isinstance(amount, tuple):  # money: (amount, currency)
            amount = values["amount"] = amount[0]
        if amount is not None and not (0 <= amount < Decimal("1e12")):
            raise RowProblem("amount", "An amount is between 0 and 999,999,999,999.99.")
        if amount is not None:
            values["amount"] = Decimal(amount).quantize(Decimal("0.01"))
        if values.get("created_at") is not None:  # whole seconds, as the ledger keeps them
            values["created_at"] = int(values["created_at"].timestamp())
        return values

    def key(self, values: dict[str, Any]) -> str | None:
        if values.get("external_id"):
            return f"external id {values['external_id']}"
        return f"email {values['email_key']}" if values.get("email_key") else None

    def _campaign(self, name: str | None, source: str, batch: Batch, now: int, line: int) -> Any:
        if not name:
            return None
        pk = self.refs.campaigns.get(name)
        if pk is None:
            when, channel = batch.db_time(now), source or "import"
            pk = batch.new_id(Campaign)
            batch.insert(Campaign, CAMPAIGN_COLUMNS,
                         (pk, name, channel, "", 0, None, None, None, when, when))  # fmt: skip
            batch.event(
                "campaign.created", now, "campaign", pk, {"name": name, "channel": channel},
                line=line,
            )  # fmt: skip
            self.refs.campaigns[name] = pk
        return pk

    def apply(self, rows: list[Row], batch: Batch, now: int, *, dry_run: bool) -> Counts:
        counts = Counts()
        companies = Companies(batch, now, None, dry_run=dry_run, seen=self.seen).resolve(rows)
        contacts = Contacts(batch, now, None, dry_run=dry_run, seen=self.seen)
        by_email = contacts.resolve(rows, companies)
        external = [v["external_id"] for _, v in rows if v.get("external_id")]
        columns = ["pk", "contact_id", "external_id", "campaign_id", "owner_id", "facts",
                   *LEAD_FIELDS]  # fmt: skip
        known = ids_by_key(Lead._meta.db_table, "external_id", external)
        found = {r["external_id"]: r for r in values_of(Lead, known.values(), columns)}
        open_ones = {
            r["contact_id"]: r
            for r in Lead.objects.filter(contact_id__in=contacts.existing, outcome=Outcome.OPEN)
            .order_by("pk")
            .values(*columns)
        } if contacts.existing else {}  # fmt: skip
        for line, values in rows:
            current = found.get(values.get("external_id") or "")
            contact = by_email.get(line)
            if current is None and values.get("external_id") is None and contact:
                current = open_ones.get(contact)
            if current is None:
                counts.created += 1
                if not dry_run:
                    if contact is None:
                        contact = contacts.create(line, values, companies.get(line))
                    self._create(line, values, contact, companies.get(line), batch, now)
            else:
                changed = self._update(line, values, current, batch, now, dry_run=dry_run)
                counts.updated += changed
                counts.unchanged += not changed
        return counts

    def _create(
        self, line: int, values: dict[str, Any], contact: int, company: Any, batch: Batch, now: int
    ) -> None:
        pk = batch.new_id(Lead)
        stage = self.refs.stages[values["stage"]] if values.get("stage") else self.refs.first_stage
        assert stage is not None
        created = values.get("created_at")
        at = created if created is not None else now
        when = batch.db_time(at)
        source = values.get("source") or ""
        campaign = self._campaign(values.get("campaign"), source, batch, at, line)
        owner = values.get("owner_id")
        facts = {k.removeprefix("facts."): v for k, v in values.items() if k.startswith("facts.")}
        amount = values.get("amount")
        product_line = values.get("product_line") or ""
        batch.insert(
            Lead,
            LEAD_COLUMNS,
            (pk, source, when, 0, plain_payload_text(facts), product_line, amount, Outcome.OPEN,
             None, values.get("external_id"), 0, 0, None, None, None, when, when, campaign, company,
             contact, owner, None, stage.pk, 0, 0, when if owner else None,
             when if self.refs.handed_over(stage) else None, "", None, None),
        )  # fmt: skip
        batch.insert(StageVisit, VISIT_COLUMNS, (batch.new_id(StageVisit), when, None, pk,
                                                  stage.pk))  # fmt: skip
        payload = {"contact_id": contact, "company_id": company, "stage": stage.key,
                   "source": source, "campaign_id": campaign, "owner_id": owner,
                   "product_line": product_line, "amount": amount, "score": 0,
                   "facts": facts}  # fmt: skip
        batch.event("lead.created", at, "lead", pk, payload, line=line, lead_id=pk)
        if owner:
            batch.event(
                "lead.assigned", at, "lead", pk, {"from": None, "to": owner}, line=line, lead_id=pk
            )

    def _update(
        self,
        line: int,
        values: dict[str, Any],
        current: dict[str, Any],
        batch: Batch,
        now: int,
        *,
        dry_run: bool,
    ) -> bool:
        wanted: dict[str, Any] = {name: values.get(name) for name in LEAD_FIELDS}
        name = values.get("campaign")
        if name:
            wanted["campaign_id"] = self.refs.campaigns.get(name, -1)  # -1: to be created
        facts = {k.removeprefix("facts."): v for k, v in values.items() if k.startswith("facts.")}
        if facts and {**current["facts"], **facts} != current["facts"]:
            wanted["facts"] = {**current["facts"], **facts}
        owner = values.get("owner_id")
        diff = changes_of(current, wanted)
        owner_moves = owner is not None and owner != current["owner_id"]
        if dry_run or not (diff or owner_moves):
            return bool(diff or owner_moves)
        pk = current["pk"]
        if "campaign_id" in diff:
            diff["campaign_id"][1] = self._campaign(name, values.get("source") or "", batch, now,
                                                    line)  # fmt: skip
        if diff:
            update_record(batch, Lead, pk, diff, now)
            batch.event("lead.updated", now, "lead", pk, {"changes": diff}, line=line, lead_id=pk)
        if owner_moves:
            batch.update(Lead, pk, {"owner_id": owner, "assigned_at": batch.moment(now)})
            payload = {"from": current["owner_id"], "to": owner}
            batch.event("lead.assigned", now, "lead", pk, payload, line=line, lead_id=pk)
        return True
