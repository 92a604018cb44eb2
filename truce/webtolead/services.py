"""Managing web forms, and turning one public submission into a contact, a lead and a touch."""

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from truce.errors import Conflict, DomainError
from truce.funnel import selectors as funnel_selectors
from truce.funnel import services as funnel_services
from truce.funnel.models import Outcome
from truce.identity.permissions import require
from truce.ledger import services as ledger
from truce.people import selectors as people_selectors
from truce.people import services as people_services
from truce.people.normalise import domain_key, email_key
from truce.touches import selectors as touch_selectors
from truce.touches import services as touch_services
from truce.touches.models import TouchKind

from .models import FormField, Submission, WebForm

FORM_FIELDS = (
    "name",
    "default_source",
    "default_campaign",
    "fields",
    "allowed_origins",
    "redirect_url",
    "thank_you_message",
    "is_enabled",
)
UTM_NAMES = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
MAX_ORIGINS = 20
DEFAULT_THANKS = "Thank you. We will be in touch soon."
# The contact fields a submission fills on an existing contact, only where they are blank:
# a public form must not overwrite what the team already knows about a person.
_CONTACT_BLANKS = ("first_name", "last_name", "title", "phone", "country")


@dataclass(frozen=True)
class Entry:
    """One cleaned submission (see intake.py for how a request becomes one)."""

    email: str
    first_name: str = ""
    last_name: str = ""
    company: str = ""
    title: str = ""
    phone: str = ""
    country: str = ""
    message: str = ""
    utm: dict[str, str] = field(default_factory=dict)


def _ref(value: Any) -> Any:
    return value.pk if hasattr(value, "pk") else value


def _origin(value: Any) -> str:
    text = str(value).strip().lower().rstrip("/")
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path or parts.query:
        raise DomainError(
            f"{value!r} is not an origin; write it as https://www.example.com "
            "(scheme and host, no path).",
            field="allowed_origins",
        )
    return text


def _check_url(value: str) -> str:
    value = value.strip()
    parts = urlsplit(value)
    if value and (parts.scheme not in ("http", "https") or not parts.hostname):
        raise DomainError(
            "The thank-you address must be a full http(s):// URL.", field="redirect_url"
        )
    return value


def _check_lists(values: dict[str, Any]) -> dict[str, Any]:
    if "fields" in values:
        unknown = [f for f in values["fields"] if f not in FormField.values]
        if unknown:
            choices = ", ".join(FormField.values)
            raise DomainError(f"{unknown[0]!r} is not a form field ({choices}).", field="fields")
        values["fields"] = [f for f in FormField.values if f in values["fields"]]
    if "allowed_origins" in values:
        origins = list(dict.fromkeys(_origin(o) for o in values["allowed_origins"]))
        if len(origins) > MAX_ORIGINS:
            raise DomainError(f"At most {MAX_ORIGINS} allowed origins.", field="allowed_origins")
        values["allowed_origins"] = origins
    return values


def _check_form(values: dict[str, Any]) -> dict[str, Any]:
    values = dict(values)
    if "name" in values:
        values["name"] = str(values["name"]).strip()
        if not values["name"]:
            raise DomainError("A web form needs a name.", field="name")
    if "default_source" in values:
        values["default_source"] = str(values["default_source"]).strip().lower()
    if "redirect_url" in values:
        values["redirect_url"] = _check_url(values["redirect_url"] or "")
    if "thank_you_message" in values:
        values["thank_you_message"] = (values["thank_you_message"] or "").strip()
    return _check_lists(values)


@transaction.atomic
def create_form(*, actor: Any, name: str, **fields: Any) -> WebForm:
    require(actor, "manage_campaigns")
    unknown = set(fields) - set(FORM_FIELDS)
    if unknown:
        raise DomainError(
            f"{sorted(unknown)[0]!r} is not a form setting.", field=sorted(unknown)[0]
        )
    values = _check_form({"name": name, **fields})
    now = timezone.now()
    form = WebForm.objects.create(created_by=actor, created_at=now, updated_at=now, **values)
    ledger.append(
        kind="webform.created",
        subject_type="webform",
        subject_id=form.pk,
        actor=actor,
        payload={"key": form.key, **{k: _ref(getattr(form, k)) for k in FORM_FIELDS}},
    )
    return form


@transaction.atomic
def update_form(*, form: WebForm, actor: Any, changes: dict[str, Any]) -> WebForm:
    require(actor, "manage_campaigns")
    unknown = set(changes) - set(FORM_FIELDS)
    if unknown:
        raise DomainError(f"{sorted(unknown)[0]!r} cannot be changed.", field=sorted(unknown)[0])
    changes = _check_form(changes)
    diff = {
        k: [_ref(getattr(form, k)), _ref(v)] for k, v in changes.items() if getattr(form, k) != v
    }
    if not diff:
        return form
    for name, value in changes.items():
        setattr(form, name, value)
    form.updated_at = timezone.now()
    form.save(update_fields=[*changes, "updated_at"])
    ledger.append(
        kind="webform.updated",
        subject_type="webform",
        subject_id=form.pk,
        actor=actor,
        payload={"changes": diff},
    )
    return form


def thank_you(form: WebForm) -> str:
    return form.thank_you_message or DEFAULT_THANKS


def record_spam(*, form: WebForm) -> None:
    """A filled honeypot: counted on the form, and nothing else is written."""
    WebForm.objects.filter(pk=form.pk).update(spam_count=F("spam_count") + 1)


def _company(entry: Entry) -> Any:
    """The company whose domain is the email's; else one of that exact name; else a new one.
    No domain is guessed from the email for a new company: it may be a personal address."""
    companies = people_selectors.companies_visible_to(user=None)
    try:
        email_domain = domain_key(entry.email.rsplit("@", 1)[-1])
    except DomainError:
        email_domain = None
    if email_domain:
        found = companies.filter(domain=email_domain).first()
        if found is not None or not entry.company:
            return found
    if not entry.company:
        return None
    found = companies.filter(name__iexact=entry.company).order_by("pk").first()
    if found is not None:
        return found
    company, _ = people_services.create_company(actor=None, name=entry.company)
    return company


def _contact(entry: Entry) -> tuple[Any, bool]:
    known = people_selectors.contacts_visible_to(user=None).filter(email_key=email_key(entry.email))
    # A contact with a company keeps it: no company is looked up, let alone created.
    company = None if known.filter(company__isnull=False).exists() else _company(entry)
    values = {name: getattr(entry, name) for name in _CONTACT_BLANKS}
    contact, created = people_services.create_contact(
        actor=None, email=entry.email, company=company, **values
    )
    if created:
        return contact, True
    blanks = {k: v for k, v in values.items() if v and not getattr(contact, k)}
    if company is not None and contact.company_id is None:
        blanks["company"] = company
    if blanks:
        contact = people_services.update_contact(contact=contact, actor=None, changes=blanks)
    return contact, False


def match_campaign(name: str) -> Any:
    """A campaign named `name`, ignoring case, or whose name slugifies to the same text
    (`spring-launch` finds "Spring Launch"). None when nothing matches."""
    if not name:
        return None
    campaigns = touch_selectors.campaigns_visible_to(user=None)
    found = campaigns.filter(name__iexact=name).first()
    if found is not None:
        return found
    wanted = slugify(name)
    for campaign in campaigns.select_related(None).only("pk", "name").order_by("pk"):
        if wanted and slugify(campaign.name) == wanted:
            return campaign
    return None


def _lead(form: WebForm, contact: Any, entry: Entry, campaign: Any) -> tuple[Any, bool]:
    """The contact's open lead if there is one (a second form fill is a touch on the journey
    under way, not a new journey); otherwise a new lead attributed to this submission."""
    open_lead = (
        funnel_selectors.leads_visible_to(user=None)
        .filter(contact=contact, outcome=Outcome.OPEN)
        .order_by("-created_at", "-pk")
        .first()
    )
    if open_lead is not None:
        return open_lead, False
    source = entry.utm.get("utm_source", "").lower() or form.default_source
    lead = funnel_services.create_lead(
        contact=contact, actor=None, source=source, campaign=campaign
    )
    return lead, True


def submit_form(*, form: WebForm, entry: Entry) -> Submission:
    """One submission, all or nothing: contact (deduplicated by email), lead, form-fill touch,
    and a `webform.submitted` event with the UTM parameters (never the client address).

    Two first submissions of one new email at once race to create the contact; the loser's
    transaction rolls back whole and runs again, finding the winner's contact and open lead."""
    try:
        return _submit(form, entry)
    except IntegrityError:
        pass
    try:
        return _submit(form, entry)
    except IntegrityError:
        raise Conflict("The submission collided with another; send it again.") from None


@transaction.atomic
def _submit(form: WebForm, entry: Entry) -> Submission:
    if not entry.email:
        raise DomainError("An email address is required.", field="email", code="required")
    email_key(entry.email)  # a malformed address is refused before anything is written
    contact, contact_created = _contact(entry)
    campaign = match_campaign(entry.utm.get("utm_campaign", "")) or form.default_campaign
    lead, lead_created = _lead(form, contact, entry, campaign)
    touch = touch_services.record_touch(
        lead=lead,
        kind=TouchKind.FORM_FILL,
        actor=None,
        channel=entry.utm.get("utm_medium", "").lower() or "web",
        campaign=campaign,
        collateral=form.name[:200],
        note=entry.message,
    )
    now = timezone.now()
    utm = {name: entry.utm.get(name, "") for name in UTM_NAMES}
    submission = Submission.objects.create(
        form=form,
        contact=contact,
        lead=lead,
        touch=touch,
        contact_created=contact_created,
        lead_created=lead_created,
        submitted_at=now,
        **utm,
    )
    WebForm.objects.filter(pk=form.pk).update(submission_count=F("submission_count") + 1)
    ledger.append(
        kind="webform.submitted",
        subject_type="webform",
        subject_id=form.pk,
        lead_id=lead.pk,
        payload={
            "form": form.name,
            "submission_id": submission.pk,
            "contact_id": contact.pk,
            "contact_created": contact_created,
            "lead_created": lead_created,
            "touch_id": touch.pk,
            "campaign_id": _ref(campaign),
            "utm": utm,
        },
    )
    return submission
