"""Touches and outcomes: the history of leads already in Truce, with their original times."""

from decimal import Decimal
from typing import Any

from truce.funnel.models import Lead, Outcome, ReasonKind, Stage, StageVisit
from truce.touches.bulk import TOUCH_COLUMNS
from truce.touches.models import Touch, TouchKind, team_for_kind
from truce.touches.services import refresh_touch_facts_of

from ...models import ImportKind
from ..writing import Batch
from .base import Counts, Row, RowProblem, Writer
from .leads import LeadWriter
from .people import check_contact

# Touches and outcomes: history of leads imported before


def _lead_key(values: dict[str, Any]) -> str:
    if values.get("lead_external_id"):
        return f"external id {values['lead_external_id']}"
    return f"email {values.get('email_key')}"


def _find_leads(rows: list[Row]) -> dict[str, dict[str, Any]]:
    """{lead key: the lead's row} for the rows' external ids and emails."""
    columns = ["pk", "contact_id", "external_id", "outcome", "outcome_at", "stage_id",
               "owner_id", "amount", "outcome_reason_id", "facts", "created_at"]  # fmt: skip
    external = {v["lead_external_id"] for _, v in rows if v.get("lead_external_id")}
    found = {
        f"external id {r['external_id']}": r
        for r in Lead.objects.filter(external_id__in=external).values(*columns)
    }
    emails = {v["email_key"] for _, v in rows if not v.get("lead_external_id")}
    if emails:
        leads = Lead.objects.filter(contact__email_key__in=emails).order_by("pk")
        for row in leads.values(*columns, "contact__email_key"):
            key = f"email {row['contact__email_key']}"
            current = found.get(key)
            # The open lead wins; else the latest.
            if current is None or current["outcome"] != Outcome.OPEN:
                found[key] = row
    return found


def _check_lead_key(values: dict[str, Any]) -> None:
    if not values.get("lead_external_id"):
        if not values.get("email"):
            raise RowProblem("lead_external_id", "Which lead? Neither an external id nor an email.")
        check_contact(values)


class TouchWriter(Writer):
    kind = ImportKind.TOUCHES

    def check(self, values: dict[str, Any]) -> dict[str, Any]:
        _check_lead_key(values)
        kind = str(values["kind"]).strip().lower().replace(" ", "_")
        if kind not in TouchKind.values:
            raise RowProblem("kind", f"{values['kind']!r} is not a kind of touch.")
        values["kind"] = kind
        if values.get("actor"):
            values["actor_id"] = self.refs.user(values["actor"], "actor")
        if values.get("campaign"):
            self.refs.campaign(values["campaign"])
        return values

    def key(self, values: dict[str, Any]) -> str | None:
        return f"{_lead_key(values)}, {values['kind']} at {values['occurred_at'].isoformat()}"

    def check_many(self, rows: list[Row]) -> dict[int, RowProblem]:
        found = _find_leads(rows)
        return {
            line: RowProblem("lead_external_id", f"No lead with {_lead_key(values)}.")
            for line, values in rows
            if _lead_key(values) not in found
        }

    def apply(self, rows: list[Row], batch: Batch, now: int, *, dry_run: bool) -> Counts:
        counts = Counts()
        leads = _find_leads(rows)
        lead_ids = {lead["pk"] for lead in leads.values()}
        existing = set(
            Touch.objects.filter(lead_id__in=lead_ids).values_list("lead_id", "kind", "occurred_at")
        )
        touched: set[int] = set()
        for line, values in rows:
            lead = leads[_lead_key(values)]
            when = values["occurred_at"]
            if (lead["pk"], values["kind"], when) in existing:
                counts.unchanged += 1
                continue
            counts.created += 1
            existing.add((lead["pk"], values["kind"], when))
            if dry_run:
                continue
            at = int(when.timestamp())
            team = team_for_kind(values["kind"])
            campaign = self.refs.campaigns.get(values.get("campaign") or "")
            if values.get("campaign") and campaign is None:
                campaign = LeadWriter(self.refs)._campaign(values["campaign"], "", batch, at, line)
            pk = batch.new_id(Touch)
            channel, collateral = values.get("channel") or "", values.get("collateral") or ""
            batch.insert(
                Touch,
                TOUCH_COLUMNS,
                (pk, values["kind"], channel, team, batch.db_time(at), collateral,
                 values.get("note") or "", batch.db_time(now), values.get("actor_id"), campaign,
                 lead["contact_id"], lead["pk"]),
            )  # fmt: skip
            payload = {"kind": values["kind"], "team": team, "channel": channel,
                       "campaign_id": campaign, "collateral": collateral}  # fmt: skip
            batch.event("touch.recorded", at, "touch", pk, payload, line=line, lead_id=lead["pk"])
            touched.add(lead["pk"])
        if touched:
            batch.after_insert(lambda: refresh_touch_facts_of(lead_ids=touched))
        return counts


class OutcomeWriter(Writer):
    kind = ImportKind.OUTCOMES

    def check(self, values: dict[str, Any]) -> dict[str, Any]:
        _check_lead_key(values)
        outcome = str(values["outcome"]).strip().lower()
        if outcome not in Outcome.values or outcome == Outcome.OPEN:
            raise RowProblem("outcome", f"{values['outcome']!r} is not won, lost, recycled or "
                                        "disqualified.")  # fmt: skip
        values["outcome"] = outcome
        if outcome == Outcome.WON:
            if self.refs.won_stage is None:
                raise RowProblem("outcome", "The funnel has no customer (won) stage.")
        elif not values.get("reason"):
            raise RowProblem("reason", f"A {outcome} outcome needs a reason from its list.")
        else:
            values["reason_id"] = self.refs.reason(
                _OUTCOME_REASON[Outcome(outcome)], values["reason"]
            )
        amount = values.get("amount")
        if isinstance(amount, tuple):
            amount = values["amount"] = amount[0]
        if amount is not None:
            if not (0 <= amount < Decimal("1e12")):
                raise RowProblem("amount", "An amount is between 0 and 999,999,999,999.99.")
            values["amount"] = Decimal(amount).quantize(Decimal("0.01"))
        if values.get("owner"):
            values["owner_id"] = self.refs.user(values["owner"])
        return values

    def key(self, values: dict[str, Any]) -> str | None:
        return _lead_key(values)

    def check_many(self, rows: list[Row]) -> dict[int, RowProblem]:
        found = _find_leads(rows)
        problems = {}
        for line, values in rows:
            lead = found.get(_lead_key(values))
            if lead is None:
                problems[line] = RowProblem(
                    "lead_external_id", f"No lead with {_lead_key(values)}."
                )
            elif lead["outcome"] not in (Outcome.OPEN, values["outcome"]):
                problems[line] = RowProblem(
                    "outcome", f"The lead is already {lead['outcome']}; reopen it first."
                )
            elif values["outcome_at"] < lead["created_at"]:
                # History as recorded elsewhere: kept, but said.
                day = lead["created_at"].date().isoformat()
                reason = f"the lead was created on {day}, after this outcome; imported as it is"
                problems[line] = RowProblem("outcome_at", reason, warning=True)
        return problems

    def apply(self, rows: list[Row], batch: Batch, now: int, *, dry_run: bool) -> Counts:
        counts = Counts()
        leads = _find_leads(rows)
        stages = dict(Stage.objects.values_list("pk", "key"))
        for line, values in rows:
            lead = leads[_lead_key(values)]
            changed = self._close(line, values, lead, stages, batch, now, dry_run=dry_run)
            changed |= self._facts(line, values, lead, batch, now, dry_run=dry_run)
            counts.updated += changed
            counts.unchanged += not changed
        return counts

    def _close(
        self,
        line: int,
        values: dict[str, Any],
        lead: dict[str, Any],
        stages: dict[int, str],
        batch: Batch,
        now: int,
        *,
        dry_run: bool,
    ) -> bool:
        when = values["outcome_at"]
        owner_name = values.get("owner")
        owner = values.get("owner_id")
        new_owner = owner_name is not None and (owner is None or owner != lead["owner_id"])
        if lead["outcome"] == values["outcome"] and not new_owner:
            return False
        if dry_run:
            return True
        pk, at = lead["pk"], int(when.timestamp())
        if new_owner:
            assert owner_name is not None
            owner = self.refs.owner_id(owner_name, batch, at, line)
            Lead.objects.filter(pk=pk).update(owner_id=owner, assigned_at=batch.moment(at))
            moved = {"from": lead["owner_id"], "to": owner}
            batch.event("lead.assigned", at, "lead", pk, moved, line=line, lead_id=pk)
        if lead["outcome"] == values["outcome"]:
            return True
        fields: dict[str, Any] = {"outcome": values["outcome"], "outcome_at": when,
                                  "updated_at": batch.moment(now)}  # fmt: skip
        payload: dict[str, Any] = {"outcome": values["outcome"], "stage": stages[lead["stage_id"]]}
        if values["outcome"] == Outcome.WON:
            won = self.refs.won_stage
            assert won is not None
            StageVisit.objects.filter(lead_id=pk, exited_at__isnull=True).update(exited_at=when)
            StageVisit.objects.create(lead_id=pk, stage=won, entered_at=when)
            fields.update(stage=won, stage_entered_at=when, outcome_reason=None)
            if values.get("amount") is not None:
                fields["amount"] = values["amount"]
            payload["amount"] = fields.get("amount", lead["amount"])
            payload["won_stage"] = won.key
            batch.event("lead.stage_changed", at, "lead", pk,
                        {"from": stages[lead["stage_id"]], "to": won.key}, line=line,
                        lead_id=pk)  # fmt: skip
        else:
            fields["outcome_reason_id"] = values["reason_id"]
            payload["reason"] = values["reason"]
        Lead.objects.filter(pk=pk).update(**fields)
        batch.event("lead.outcome_set", at, "lead", pk, payload, line=line, lead_id=pk)
        return True

    def _facts(
        self,
        line: int,
        values: dict[str, Any],
        lead: dict[str, Any],
        batch: Batch,
        now: int,
        *,
        dry_run: bool,
    ) -> bool:
        facts = {k.removeprefix("facts."): v for k, v in values.items() if k.startswith("facts.")}
        merged = {**lead["facts"], **facts}
        if merged == lead["facts"]:
            return False
        if not dry_run:
            Lead.objects.filter(pk=lead["pk"]).update(facts=merged)
            changes = {"facts": [lead["facts"], merged]}
            batch.event("lead.updated", now, "lead", lead["pk"], {"changes": changes},
                        line=line, lead_id=lead["pk"])  # fmt: skip
        return True


_OUTCOME_REASON = {
    Outcome.LOST: ReasonKind.LOST,
    Outcome.RECYCLED: ReasonKind.RECYCLED,
    Outcome.DISQUALIFIED: ReasonKind.DISQUALIFIED,
}
