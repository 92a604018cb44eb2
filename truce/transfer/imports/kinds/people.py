"""Companies and contacts: the kinds of their own, and the company and contact part of lead rows.
Companies match by web domain, else by exact name; contacts by email."""

from dataclasses import dataclass, field
from typing import Any

from truce.people.bulk import COMPANY_COLUMNS, CONTACT_COLUMNS
from truce.people.errors import InvalidDomain
from truce.people.models import Company, Contact
from truce.people.normalise import domain_key

from ...models import ImportKind
from ..coercion import CoercionError, coercer_for
from ..writing import Batch, ids_by_key, values_of
from .base import (
    COMPANY_FIELDS,
    CONTACT_FIELDS,
    Counts,
    Row,
    RowProblem,
    Writer,
    apply_changes,
)

# Companies (also the company part of contact and lead rows)


def check_company(values: dict[str, Any]) -> None:
    if "company_domain" in values:
        try:
            values["company_domain"] = domain_key(str(values["company_domain"]))
        except InvalidDomain as exc:
            raise RowProblem("company_domain", exc.message) from None


@dataclass
class Seen:
    """The companies and contacts earlier batches of this import found or made. A later batch
    must not look them up again (those made may not be written yet, if batches are built ahead)
    nor change them twice: the first row naming one decides."""

    domains: dict[str, int] = field(default_factory=dict)
    names: dict[str, int] = field(default_factory=dict)
    companies: set[int] = field(default_factory=set)  # changed (or made) by this import
    contacts: dict[str, int] = field(default_factory=dict)  # by email key


class Companies:
    """Finds or creates the company of each row that names one."""

    def __init__(
        self, batch: Batch, now: int, counts: Counts | None, *, dry_run: bool, seen: Seen
    ) -> None:
        self.batch, self.now, self.counts, self.dry_run = batch, now, counts, dry_run
        self.by_domain, self.by_name, self.touched = seen.domains, seen.names, seen.companies

    def resolve(self, rows: list[Row]) -> dict[int, int]:
        """{line: company id} for the rows naming a company."""
        wanted = [(line, v) for line, v in rows if v.get("company_domain") or v.get("company_name")]
        domains = {v["company_domain"] for _, v in wanted if v.get("company_domain")}
        names = {v["company_name"] for _, v in wanted if not v.get("company_domain")}
        domains -= self.by_domain.keys()  # an earlier batch found or made these
        names -= self.by_name.keys()
        current: dict[int, dict[str, Any]] = {}
        columns = ["pk", "name", "domain", "industry", "employees", "country", "merged_into_id"]
        table = Company._meta.db_table
        known = [*ids_by_key(table, "domain", domains).values(),
                 *ids_by_key(table, "name", names).values()]  # fmt: skip
        for row in values_of(Company, known, columns):
            pk = row["merged_into_id"] or row["pk"]
            if row["domain"]:
                self.by_domain.setdefault(row["domain"], pk)
            self.by_name.setdefault(row["name"], pk)
            current[row["pk"]] = row
        result: dict[int, int] = {}
        touched = self.touched
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
        apply_changes(Company, pk, current, wanted, batch=self.batch, now=self.now, line=line,
                      counts=self.counts, dry_run=self.dry_run)  # fmt: skip


class CompanyWriter(Writer):
    kind = ImportKind.COMPANIES
    pipelined = True

    def check(self, values: dict[str, Any]) -> dict[str, Any]:
        check_company(values)
        return values

    def key(self, values: dict[str, Any]) -> str | None:
        domain = values.get("company_domain")
        return f"domain {domain}" if domain else f"name {values.get('company_name')}"

    def apply(self, rows: list[Row], batch: Batch, now: int, *, dry_run: bool) -> Counts:
        counts = Counts()
        Companies(batch, now, counts, dry_run=dry_run, seen=self.seen).resolve(rows)
        return counts


# Contacts (also the contact part of lead rows)


_email_key = coercer_for("email")  # people.normalise.email_key, with a fast path


def check_contact(values: dict[str, Any]) -> None:
    if "email" in values:
        try:
            values["email_key"] = _email_key(str(values["email"]))
        except CoercionError as exc:
            raise RowProblem("email", exc.reason) from None
        values["email"] = str(values["email"]).strip()


class Contacts:
    def __init__(
        self, batch: Batch, now: int, counts: Counts | None, *, dry_run: bool, seen: Seen
    ) -> None:
        self.batch, self.now, self.counts, self.dry_run = batch, now, counts, dry_run
        self.done = seen.contacts
        self.existing: set[int] = set()  # contacts this batch found in the database

    def resolve(self, rows: list[Row], companies: dict[int, int]) -> dict[int, int]:
        """{line: contact id} for the rows with an email; rows without one get no contact
        here (a lead row without email gets a contact of its own)."""
        done = self.done
        keys = {v["email_key"] for _, v in rows if v.get("email_key")} - done.keys()
        columns = ["pk", *CONTACT_FIELDS, "company_id", "merged_into_id", "email_key"]
        known = ids_by_key(Contact._meta.db_table, "email_key", keys)
        current = {r["email_key"]: r for r in values_of(Contact, known.values(), columns)}
        self.existing = {r["merged_into_id"] or r["pk"] for r in current.values()}
        result: dict[int, int] = {}
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
        apply_changes(Contact, pk, current, wanted, batch=self.batch, now=self.now, line=line,
                      counts=self.counts, dry_run=self.dry_run)  # fmt: skip


class ContactWriter(Writer):
    kind = ImportKind.CONTACTS
    pipelined = True

    def check(self, values: dict[str, Any]) -> dict[str, Any]:
        check_contact(values)
        check_company(values)
        return values

    def key(self, values: dict[str, Any]) -> str | None:
        return values.get("email_key")

    def apply(self, rows: list[Row], batch: Batch, now: int, *, dry_run: bool) -> Counts:
        counts = Counts()
        companies = Companies(batch, now, None, dry_run=dry_run, seen=self.seen).resolve(rows)
        Contacts(batch, now, counts, dry_run=dry_run, seen=self.seen).resolve(rows, companies)
        return counts
