"""Per kind of import: how a row is checked against what the database knows, how it is keyed
(for duplicates inside a file, and to find the record it updates), and how a batch of good rows
is written. Rows arrive coerced: {field: value}, blank cells left out.

Matching (docs/how-to/import.md): companies by web domain, else by exact name; contacts by
email (any case or spacing); leads by external id, else the contact's open lead; campaigns by
name. A matched record is updated with the row's non-blank values and an `*.updated` event
lists what changed; a row that changes nothing is counted unchanged and writes nothing, so
importing the same file twice changes nothing the second time.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Max, Min, Model, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from truce.funnel.bulk import LEAD_COLUMNS, VISIT_COLUMNS
from truce.funnel.models import Lead, Outcome, Reason, ReasonKind, Stage, StageVisit
from truce.identity.models import Role, TeamKey
from truce.ledger.bulk import plain_payload_text
from truce.people.bulk import COMPANY_COLUMNS, CONTACT_COLUMNS
from truce.people.errors import InvalidDomain
from truce.people.models import Company, Contact
from truce.people.normalise import domain_key
from truce.touches.bulk import TOUCH_COLUMNS
from truce.touches.models import Campaign, Touch, TouchKind, team_for_kind

from ..models import ImportKind
from .coercion import CoercionError, coercer_for
from .writing import Batch

Row = tuple[int, dict[str, Any]]  # (line, values)
MQL_STAGE = "mql"
COMPANY_FIELDS = {"company_name": "name", "industry": "industry", "employees": "employees",
                  "company_country": "country"}  # fmt: skip
CONTACT_FIELDS = ("email", "first_name", "last_name", "phone", "title", "country")
LEAD_FIELDS = ("source", "product_line", "amount")
CAMPAIGN_FIELDS = ("channel", "product_line", "budget", "starts_on", "ends_on")


class RowProblem(Exception):
    """A bad row; or, with `warning`, a row imported as it is but worth a look."""

    def __init__(self, column_field: str, reason: str, *, warning: bool = False) -> None:
        super().__init__(reason)
        self.field, self.reason, self.warning = column_field, reason, warning


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class References:
    """The small tables rows point into, loaded once per import."""

    stages: dict[str, Stage] = field(default_factory=dict)
    first_stage: Stage | None = None
    users: dict[str, int] = field(default_factory=dict)
    campaigns: dict[str, int] = field(default_factory=dict)
    create_campaigns: bool = False
    create_owners: bool = False
    reasons: dict[tuple[str, str], int] = field(default_factory=dict)  # (kind, key/label)
    won_stage: Stage | None = None
    mql_position: int | None = None

    def handed_over(self, stage: Stage) -> bool:
        """A lead imported at the MQL stage or beyond was handed to sales when it began."""
        return self.mql_position is not None and stage.position >= self.mql_position

    @classmethod
    def load(cls, *, create_campaigns: bool, create_owners: bool = False) -> "References":
        refs = cls(create_campaigns=create_campaigns, create_owners=create_owners)
        for pk, kind, key, label in Reason.objects.filter(is_active=True).values_list(
            "pk", "kind", "key", "label"
        ):
            refs.reasons[(kind, key.lower())] = pk
            refs.reasons.setdefault((kind, label.lower()), pk)
        refs.won_stage = (
            Stage.objects.filter(is_active=True, is_won=True).order_by("position").first()
        )
        for stage in Stage.objects.filter(is_active=True).order_by("position"):
            refs.stages.setdefault(stage.key.lower(), stage)
            refs.stages.setdefault(stage.name.lower(), stage)
            if refs.first_stage is None and not stage.is_won:
                refs.first_stage = stage
        mql = refs.stages.get(MQL_STAGE)
        refs.mql_position = mql.position if mql else None
        for pk, username, email in get_user_model().objects.values_list("pk", "username", "email"):
            refs.users[username.lower()] = pk
            if email:
                refs.users.setdefault(email.lower(), pk)
        refs.campaigns = dict(Campaign.objects.values_list("name", "pk"))
        return refs

    def stage(self, name: str) -> Stage:
        stage = self.stages.get(name.lower())
        if stage is None:
            raise RowProblem("stage", f"{name!r} is not a stage of the funnel.")
        if stage.is_won:
            raise RowProblem("stage", f"A lead cannot start in {stage.name}.")
        return stage

    def user(self, name: str, field_name: str = "owner") -> int | None:
        """The user's id; None for one to be created (owners, when the mapping allows it)."""
        pk = self.users.get(name.lower())
        if pk is None and not (self.create_owners and field_name == "owner"):
            raise RowProblem(field_name, f"No user with the username or email {name!r}.")
        return pk

    def owner_id(self, name: str, batch: Batch, now: int, line: int) -> int:
        """The owner's id, creating the user first when the mapping allows it: an inactive
        sales rep with no password (a person known from history, not a login)."""
        pk = self.users.get(name.lower())
        if pk is None:
            user = get_user_model().objects.create(
                username=name[:150], role=Role.SALES_REP, is_active=False, password="!"
            )
            pk = self.users[name.lower()] = user.pk
            payload = {"username": user.username, "role": user.role, "active": False}
            batch.event("user.created", now, "user", pk, payload, line=line)
        return pk

    def reason(self, kind: str, name: str) -> int:
        pk = self.reasons.get((kind, name.lower()))
        if pk is None:
            raise RowProblem("reason", f"{name!r} is not in the {kind} reason list.")
        return pk

    def campaign(self, name: str) -> int | None:
        """The campaign's id; None for one to be created (when the mapping allows it)."""
        pk = self.campaigns.get(name)
        if pk is None and not self.create_campaigns:
            raise RowProblem(
                "campaign",
                f'No campaign named {name!r} (add "create_missing": ["campaign"] to the '
                "mapping's options to create it).",
            )
        return pk


def _jsonable(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


def _changes(current: dict[str, Any], wanted: dict[str, Any]) -> dict[str, list[Any]]:
    return {
        name: [_jsonable(current.get(name)), _jsonable(value)]
        for name, value in wanted.items()
        if value is not None and current.get(name) != value
    }


def _update(model: type[Model], pk: int, changes: dict[str, list[Any]], at: int) -> None:
    values = {name: new for name, (_, new) in changes.items()}
    model._default_manager.filter(pk=pk).update(**values, updated_at=Batch.moment(at))


class Writer:
    kind: str

    def __init__(self, refs: References) -> None:
        self.refs = refs

    def check(self, values: dict[str, Any]) -> dict[str, Any]:
        """Normalise keys and resolve references; raise RowProblem for a bad row."""
        return values

    def key(self, values: dict[str, Any]) -> str | None:
        """The row's identity inside the file: two rows with one key are a duplicate."""
        return None

    def check_many(self, rows: list[Row]) -> dict[int, RowProblem]:
        """Checks that need the database, for a chunk of rows at once: {line: problem}."""
        return {}

    def apply(self, rows: list[Row], batch: Batch, now: int, *, dry_run: bool) -> Counts:
        raise NotImplementedError


# Companies (also the company part of contact and lead rows)


def _check_company(values: dict[str, Any]) -> None:
    if "company_domain" in values:
        try:
            values["company_domain"] = domain_key(str(values["company_domain"]))
        except InvalidDomain as exc:
            raise RowProblem("company_domain", exc.message) from None


class Companies:
    """Finds or creates the company of each row that names one."""

    def __init__(self, batch: Batch, now: int, counts: Counts | None, *, dry_run: bool) -> None:
        self.batch, self.now, self.counts, self.dry_run = batch, now, counts, dry_run
        self.by_domain: dict[str, int] = {}
        self.by_name: dict[str, int] = {}

    def resolve(self, rows: list[Row]) -> dict[int, int]:
        """{line: company id} for the rows naming a company."""
        wanted = [(line, v) for line, v in rows if v.get("company_domain") or v.get("company_name")]
        domains = {v["company_domain"] for _, v in wanted if v.get("company_domain")}
        names = {v["company_name"] for _, v in wanted if not v.get("company_domain")}
        current: dict[int, dict[str, Any]] = {}
        columns = ["pk", "name", "domain", "industry", "employees", "country", "merged_into_id"]
        wanted_q = (Q(domain__in=domains) if domains else Q(pk__in=[])) | (
            Q(name__in=names) if names else Q(pk__in=[])
        )
        found = Company.objects.filter(wanted_q).order_by("pk")
        for row in found.values(*columns):
            pk = row["merged_into_id"] or row["pk"]
            if row["domain"]:
                self.by_domain.setdefault(row["domain"], pk)
            self.by_name.setdefault(row["name"], pk)
            current[row["pk"]] = row
        result: dict[int, int] = {}
        touched: set[int] = set()
        for line, values in wanted:
            domain = values.get("company_domain")
            pk = self.by_domain.get(domain) if domain else self.by_name.get(values["company_name"])
            if pk is None:
                pk = self._create(line, values)
            elif pk not in touched and pk in current:
                touched.add(pk)
                self._update(line, pk, current[pk], values)
            elif self.counts is not None and pk not in touched:
                self.counts.unchanged += 1
            result[line] = pk
        return result

    def _create(self, line: int, values: dict[str, Any]) -> int:
        domain = values.get("company_domain")
        name = values.get("company_name") or domain or ""
        pk = -line if self.dry_run else self.batch.new_id(Company)
        fields = {"industry": values.get("industry") or "", "employees": values.get("employees"),
                  "country": values.get("company_country") or ""}  # fmt: skip
        if domain:
            self.by_domain[domain] = pk
        self.by_name.setdefault(name, pk)
        if self.counts is not None:
            self.counts.created += 1
        if not self.dry_run:
            at = self.batch.db_time(self.now)
            self.batch.insert(
                Company,
                COMPANY_COLUMNS,
                (pk, name, domain, fields["industry"], fields["employees"], fields["country"],
                 at, at, None),
            )  # fmt: skip
            payload = {"domain": domain, "name": name, **fields}
            self.batch.event("company.created", self.now, "company", pk, payload, line=line)
        return pk

    def _update(self, line: int, pk: int, current: dict[str, Any], values: dict[str, Any]) -> None:
        wanted = {model: values.get(name) for name, model in COMPANY_FIELDS.items()}
        if values.get("company_domain") is None and current.get("domain") is None:
            wanted.pop("name")  # matched by name: the name is the key, not a change
        diff = _changes(current, wanted)
        if self.counts is not None:
            if diff:
                self.counts.updated += 1
            else:
                self.counts.unchanged += 1
        if diff and not self.dry_run:
            _update(Company, pk, diff, self.now)
            self.batch.event(
                "company.updated", self.now, "company", pk, {"changes": diff}, line=line
            )


class CompanyWriter(Writer):
    kind = ImportKind.COMPANIES

    def check(self, values: dict[str, Any]) -> dict[str, Any]:
        _check_company(values)
        return values

    def key(self, values: dict[str, Any]) -> str | None:
        domain = values.get("company_domain")
        return f"domain {domain}" if domain else f"name {values.get('company_name')}"

    def apply(self, rows: list[Row], batch: Batch, now: int, *, dry_run: bool) -> Counts:
        counts = Counts()
        Companies(batch, now, counts, dry_run=dry_run).resolve(rows)
        return counts


# Contacts (also the contact part of lead rows)


_email_key = coercer_for("email")  # people.normalise.email_key, with a fast path


def _check_contact(values: dict[str, Any]) -> None:
    if "email" in values:
        try:
            values["email_key"] = _email_key(str(values["email"]))
        except CoercionError as exc:
            raise RowProblem("email", exc.reason) from None
        values["email"] = str(values["email"]).strip()


class Contacts:
    def __init__(self, batch: Batch, now: int, counts: Counts | None, *, dry_run: bool) -> None:
        self.batch, self.now, self.counts, self.dry_run = batch, now, counts, dry_run

    def resolve(self, rows: list[Row], companies: dict[int, int]) -> dict[int, int]:
        """{line: contact id} for the rows with an email; rows without one get no contact
        here (a lead row without email gets a contact of its own)."""
        keys = {v["email_key"] for _, v in rows if v.get("email_key")}
        columns = ["pk", *CONTACT_FIELDS, "company_id", "merged_into_id", "email_key"]
        current = {
            r["email_key"]: r for r in Contact.objects.filter(email_key__in=keys).values(*columns)
        }
        result: dict[int, int] = {}
        done: dict[str, int] = {}
        for line, values in rows:
            key = values.get("email_key")
            if not key:
                continue
            if key in done:
                result[line] = done[key]
                continue
            row = current.get(key)
            company = companies.get(line)
            if row is None:
                pk = self.create(line, values, company)
            else:
                pk = row["merged_into_id"] or row["pk"]
                self._update(line, pk, row, values, company)
            done[key] = result[line] = pk
        return result

    def create(self, line: int, values: dict[str, Any], company: int | None) -> int:
        pk = -line if self.dry_run else self.batch.new_id(Contact)
        if self.counts is not None:
            self.counts.created += 1
        if self.dry_run:
            return pk
        at = self.batch.db_time(self.now)
        fields = {name: values.get(name) or "" for name in CONTACT_FIELDS}
        self.batch.insert(
            Contact,
            CONTACT_COLUMNS,
            (pk, fields["email"], values.get("email_key"), fields["first_name"],
             fields["last_name"], fields["phone"], fields["title"], fields["country"], at, at,
             company, None),
        )  # fmt: skip
        payload = {"email_key": values.get("email_key"), **fields, "company": company}
        self.batch.event("contact.created", self.now, "contact", pk, payload, line=line)
        return pk

    def _update(
        self, line: int, pk: int, current: dict[str, Any], values: dict[str, Any], company: Any
    ) -> None:
        wanted = {name: values.get(name) for name in CONTACT_FIELDS if name != "email"}
        wanted["company_id"] = company
        diff = _changes(current, wanted)
        if self.counts is not None:
            if diff:
                self.counts.updated += 1
            else:
                self.counts.unchanged += 1
        if diff and not self.dry_run:
            _update(Contact, pk, diff, self.now)
            self.batch.event(
                "contact.updated", self.now, "contact", pk, {"changes": diff}, line=line
            )


class ContactWriter(Writer):
    kind = ImportKind.CONTACTS

    def check(self, values: dict[str, Any]) -> dict[str, Any]:
        _check_contact(values)
        _check_company(values)
        return values

    def key(self, values: dict[str, Any]) -> str | None:
        return values.get("email_key")

    def apply(self, rows: list[Row], batch: Batch, now: int, *, dry_run: bool) -> Counts:
        counts = Counts()
        companies = Companies(batch, now, None, dry_run=dry_run).resolve(rows)
        Contacts(batch, now, counts, dry_run=dry_run).resolve(rows, companies)
        return counts


# Leads


class LeadWriter(Writer):
    kind = ImportKind.LEADS

    def check(self, values: dict[str, Any]) -> dict[str, Any]:
        _check_contact(values)
        _check_company(values)
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
            at = batch.moment(now)
            channel = source or "import"
            pk = Campaign.objects.create(
                name=name, channel=channel, created_at=at, updated_at=at
            ).pk
            batch.event(
                "campaign.created", now, "campaign", pk, {"name": name, "channel": channel},
                line=line,
            )  # fmt: skip
            self.refs.campaigns[name] = pk
        return pk

    def apply(self, rows: list[Row], batch: Batch, now: int, *, dry_run: bool) -> Counts:
        counts = Counts()
        companies = Companies(batch, now, None, dry_run=dry_run).resolve(rows)
        contacts = Contacts(batch, now, None, dry_run=dry_run)
        by_email = contacts.resolve(rows, companies)
        external = [v["external_id"] for _, v in rows if v.get("external_id")]
        columns = ["pk", "contact_id", "external_id", "campaign_id", "owner_id", "facts",
                   *LEAD_FIELDS]  # fmt: skip
        found = {r["external_id"]: r for r in
                 Lead.objects.filter(external_id__in=external).values(*columns)}  # fmt: skip
        open_ones = {
            r["contact_id"]: r
            for r in Lead.objects.filter(
                contact_id__in=[c for c in by_email.values() if c > 0], outcome=Outcome.OPEN
            )
            .order_by("pk")
            .values(*columns)
        }
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
        payload = {"contact_id": contact, "stage": stage.key, "source": source,
                   "campaign_id": campaign, "owner_id": owner, "product_line": product_line,
                   "amount": amount, "score": 0, "facts": facts}  # fmt: skip
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
        diff = _changes(current, wanted)
        owner_moves = owner is not None and owner != current["owner_id"]
        if dry_run or not (diff or owner_moves):
            return bool(diff or owner_moves)
        pk = current["pk"]
        if "campaign_id" in diff:
            diff["campaign_id"][1] = self._campaign(name, values.get("source") or "", batch, now,
                                                    line)  # fmt: skip
        if diff:
            _update(Lead, pk, diff, now)
            batch.event("lead.updated", now, "lead", pk, {"changes": diff}, line=line, lead_id=pk)
        if owner_moves:
            Lead.objects.filter(pk=pk).update(owner_id=owner, assigned_at=batch.moment(now))
            payload = {"from": current["owner_id"], "to": owner}
            batch.event("lead.assigned", now, "lead", pk, payload, line=line, lead_id=pk)
        return True


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
            diff = _changes(row, wanted)
            counts.updated += bool(diff)
            counts.unchanged += not diff
            if diff and not dry_run:
                _update(Campaign, row["pk"], diff, now)
                batch.event(
                    "campaign.updated", now, "campaign", row["pk"], {"changes": diff}, line=line
                )
        return counts


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
        _check_contact(values)


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
            batch.after_insert(lambda: _refresh_touch_facts(touched))
        return counts


def _refresh_touch_facts(lead_ids: set[int]) -> None:
    """The leads' touch facts from all their touches, in one statement."""
    touches = Touch.objects.filter(lead_id=OuterRef("pk")).order_by().values("lead_id")
    sales = touches.filter(team=TeamKey.SALES)

    def agg(qs: Any, expression: Any) -> Subquery:
        return Subquery(qs.annotate(v=expression).values("v")[:1])

    Lead.objects.filter(pk__in=lead_ids).update(
        touch_count=agg(touches, Count("pk")),
        sales_touch_count=Coalesce(agg(sales, Count("pk")), 0),
        first_touch_at=agg(touches, Min("occurred_at")),
        last_touch_at=agg(touches, Max("occurred_at")),
        first_sales_touch_at=agg(sales, Min("occurred_at")),
    )


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


WRITERS: dict[str, type[Writer]] = {
    ImportKind.COMPANIES: CompanyWriter,
    ImportKind.CONTACTS: ContactWriter,
    ImportKind.LEADS: LeadWriter,
    ImportKind.CAMPAIGNS: CampaignWriter,
    ImportKind.TOUCHES: TouchWriter,
    ImportKind.OUTCOMES: OutcomeWriter,
}
