"""Creating, updating and merging contacts and companies. Identity is deduplicated on create."""

from typing import Any, TypeVar

from django.db import transaction
from django.utils import timezone

from truce.errors import NotFound
from truce.identity.permissions import require
from truce.ledger import services as ledger

from .errors import InvalidMerge
from .models import Company, Contact
from .normalise import domain_key, email_key

_Record = TypeVar("_Record", Contact, Company)

CONTACT_FIELDS = ("email", "first_name", "last_name", "phone", "title", "country", "company")
COMPANY_FIELDS = ("name", "domain", "industry", "employees", "country")


def _survivor(record: _Record) -> _Record:
    while record.merged_into_id is not None:
        record = type(record).objects.get(pk=record.merged_into_id)
    return record


def _jsonable(value: Any) -> Any:
    return value.pk if hasattr(value, "pk") else value


def _create_unique(
    model: type[_Record], key_field: str, key: str | None, actor: Any, values: dict[str, Any]
) -> tuple[_Record, bool]:
    """Return the record already holding `key` (following merges), or a new one."""
    require(actor, "write_records")
    if key:
        existing = model.objects.select_for_update().filter(**{key_field: key}).first()
        if existing:
            return _survivor(existing), False
    now = timezone.now()
    record = model.objects.create(created_at=now, updated_at=now, **{key_field: key}, **values)
    name = model._meta.model_name
    ledger.append(
        kind=f"{name}.created",
        subject_type=str(name),
        subject_id=record.pk,
        actor=actor,
        payload={key_field: key, **{k: _jsonable(v) for k, v in values.items()}},
    )
    return record, True


@transaction.atomic
def create_company(
    *, actor: Any, name: str, domain: str = "", **fields: Any
) -> tuple[Company, bool]:
    """Return (company, created). A company whose domain is known already is returned as is."""
    key = domain_key(domain)
    return _create_unique(Company, "domain", key, actor, {"name": name.strip(), **fields})


@transaction.atomic
def create_contact(*, actor: Any, email: str = "", **fields: Any) -> tuple[Contact, bool]:
    """Return (contact, created). An email seen before, in any case or spacing, is one person."""
    key = email_key(email)
    return _create_unique(Contact, "email_key", key, actor, {"email": email.strip(), **fields})


def _apply_changes(record: Any, changes: dict[str, Any]) -> dict[str, list[Any]]:
    diff = {}
    for name, value in changes.items():
        old = getattr(record, name)
        if old != value:
            diff[name] = [_jsonable(old), _jsonable(value)]
            setattr(record, name, value)
    return diff


@transaction.atomic
def update_contact(*, contact: Contact, actor: Any, changes: dict[str, Any]) -> Contact:
    require(actor, "write_records")
    if "email" in changes:
        key = email_key(changes["email"])
        if key and Contact.objects.filter(email_key=key).exclude(pk=contact.pk).exists():
            raise InvalidMerge(
                f"Another contact already has the email {changes['email']!r}; merge them instead.",
                field="email",
                code="duplicate_email",
            )
        changes = {**changes, "email": changes["email"].strip(), "email_key": key}
    diff = _apply_changes(contact, changes)
    diff.pop("email_key", None)
    if diff:
        contact.updated_at = timezone.now()
        contact.save(update_fields=[*changes, "updated_at"])
        ledger.append(
            kind="contact.updated",
            subject_type="contact",
            subject_id=contact.pk,
            actor=actor,
            payload={"changes": diff},
        )
    return contact


@transaction.atomic
def update_company(*, company: Company, actor: Any, changes: dict[str, Any]) -> Company:
    require(actor, "write_records")
    if "domain" in changes:
        key = domain_key(changes["domain"] or "")
        if key and Company.objects.filter(domain=key).exclude(pk=company.pk).exists():
            raise InvalidMerge(
                f"Another company already has the domain {key!r}; merge them instead.",
                field="domain",
                code="duplicate_domain",
            )
        changes = {**changes, "domain": key}
    diff = _apply_changes(company, changes)
    if diff:
        company.updated_at = timezone.now()
        company.save(update_fields=[*changes, "updated_at"])
        ledger.append(
            kind="company.updated",
            subject_type="company",
            subject_id=company.pk,
            actor=actor,
            payload={"changes": diff},
        )
    return company


def _check_mergeable(survivor: Any, duplicate: Any) -> None:
    if survivor.pk == duplicate.pk:
        raise InvalidMerge("A record cannot be merged into itself.", field="duplicate_id")
    if duplicate.merged_into_id is not None:
        raise InvalidMerge("That record was already merged.", field="duplicate_id")
    if survivor.merged_into_id is not None:
        raise InvalidMerge("The surviving record was itself merged away.", field="survivor_id")


def _fill_blanks(survivor: Any, duplicate: Any, names: tuple[str, ...]) -> dict[str, Any]:
    filled = {}
    for name in names:
        if getattr(survivor, name) in ("", None) and getattr(duplicate, name) not in ("", None):
            setattr(survivor, name, getattr(duplicate, name))
            filled[name] = _jsonable(getattr(duplicate, name))
    return filled


@transaction.atomic
def merge_contacts(*, survivor: Contact, duplicate: Contact, actor: Any) -> Contact:
    """Fold `duplicate` into `survivor`: its leads and touches move over, both histories stay."""
    require(actor, "merge_records")
    _check_mergeable(survivor, duplicate)
    from truce.funnel.services import reassign_contact_records

    moved = reassign_contact_records(from_contact=duplicate, to_contact=survivor, actor=actor)
    filled = _fill_blanks(
        survivor, duplicate, ("first_name", "last_name", "phone", "title", "country", "company")
    )
    survivor.updated_at = duplicate.updated_at = timezone.now()
    survivor.save()
    duplicate.merged_into = survivor
    duplicate.save(update_fields=["merged_into", "updated_at"])
    payload = {"duplicate_id": duplicate.pk, "survivor_id": survivor.pk, "filled": filled, **moved}
    for subject in (survivor, duplicate):
        ledger.append(
            kind="contact.merged",
            subject_type="contact",
            subject_id=subject.pk,
            actor=actor,
            payload=payload,
        )
    return survivor


@transaction.atomic
def merge_companies(*, survivor: Company, duplicate: Company, actor: Any) -> Company:
    require(actor, "merge_records")
    _check_mergeable(survivor, duplicate)
    from truce.funnel.services import reassign_company_records

    contact_ids = list(duplicate.contacts.values_list("pk", flat=True))
    Contact.objects.filter(pk__in=contact_ids).update(company=survivor)
    moved = reassign_company_records(from_company=duplicate, to_company=survivor, actor=actor)
    filled = _fill_blanks(survivor, duplicate, ("industry", "employees", "country"))
    survivor.updated_at = duplicate.updated_at = timezone.now()
    survivor.save()
    duplicate.merged_into = survivor
    duplicate.save(update_fields=["merged_into", "updated_at"])
    payload = {
        "duplicate_id": duplicate.pk,
        "survivor_id": survivor.pk,
        "filled": filled,
        "contact_ids": contact_ids,
        **moved,
    }
    for subject in (survivor, duplicate):
        ledger.append(
            kind="company.merged",
            subject_type="company",
            subject_id=subject.pk,
            actor=actor,
            payload=payload,
        )
    return survivor


def get_contact(*, contact_id: int) -> Contact:
    contact = Contact.objects.select_related("company").filter(pk=contact_id).first()
    if contact is None:
        raise NotFound(f"No contact with id {contact_id}.", field="contact_id")
    return contact


def get_company(*, company_id: int) -> Company:
    company = Company.objects.filter(pk=company_id).first()
    if company is None:
        raise NotFound(f"No company with id {company_id}.", field="company_id")
    return company
