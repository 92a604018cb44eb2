"""What each kind of import can fill: its fields, their types, which are required, and the
column names other CRMs export them under (the presets), from which a mapping is suggested."""

import re
from dataclasses import dataclass

from ..models import ImportKind


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # a coercion type (coercion.TYPES)
    help: str
    required: bool = False
    max_length: int | None = None


def _f(name: str, type_: str, help_: str, **kw: object) -> Field:
    return Field(name, type_, help_, **kw)  # type: ignore[arg-type]


COMPANY = [
    _f("company_name", "text", "The company's name.", max_length=200),
    _f("company_domain", "text", "Its web domain or site; the key companies are matched by."),
    _f("industry", "text", "Industry.", max_length=100),
    _f("employees", "integer", "Number of employees."),
    _f("company_country", "text", "Two-letter country code.", max_length=2),
]
CONTACT = [
    _f("email", "text", "The contact's email; the key contacts are matched by.", max_length=254),
    _f("first_name", "text", "First name.", max_length=100),
    _f("last_name", "text", "Last name.", max_length=100),
    _f("phone", "text", "Phone number.", max_length=50),
    _f("title", "text", "Job title.", max_length=150),
    _f("country", "text", "Two-letter country code.", max_length=2),
]
LEAD = [
    _f("external_id", "text", "The lead's id in the system it comes from; the key leads are "
       "matched by.", max_length=100),
    _f("source", "text", "Where the lead came from (a channel such as paid_search).",
       max_length=64),
    _f("campaign", "text", "The campaign's name.", max_length=200),
    _f("stage", "text", "A funnel stage key or name (a new lead starts there; default: the "
       "first stage).", max_length=64),
    _f("owner", "text", "The owner's username or email.", max_length=254),
    _f("product_line", "text", "Product line.", max_length=64),
    _f("amount", "money", "Deal amount."),
    _f("created_at", "datetime", "When the lead was created (its first conversion)."),
]  # fmt: skip
CAMPAIGN = [
    _f("name", "text", "The campaign's name; the key campaigns are matched by.", required=True,
       max_length=200),
    _f("channel", "text", "Its channel (email, paid_search, events, ...).", required=True,
       max_length=64),
    _f("product_line", "text", "Product line.", max_length=64),
    _f("budget", "money", "Budget."),
    _f("starts_on", "date", "First day."),
    _f("ends_on", "date", "Last day."),
    _f("owner", "text", "The owner's username or email.", max_length=254),
]  # fmt: skip

LEAD_KEY = [
    _f(
        "lead_external_id",
        "text",
        "The lead's external id (as imported with its leads).",
        max_length=100,
    ),
    _f(
        "email",
        "text",
        "The contact's email, when the lead has no external id: its open lead, else its latest.",
        max_length=254,
    ),
]
TOUCH = [
    *LEAD_KEY,
    _f(
        "kind",
        "text",
        "What happened: email_open, email_click, form_fill, webinar, "
        "content_download, ad_click, page_visit, call, email, meeting, demo.",
        required=True,
    ),
    _f("occurred_at", "datetime", "When it happened.", required=True),
    _f("channel", "text", "Channel.", max_length=64),
    _f("campaign", "text", "The campaign's name.", max_length=200),
    _f("actor", "text", "Who did it (username or email), for sales touches.", max_length=254),
    _f("collateral", "text", "Collateral used or sent.", max_length=200),
    _f("note", "text", "A note.", max_length=10000),
]
OUTCOME = [
    *LEAD_KEY,
    _f("outcome", "text", "won, lost, recycled or disqualified.", required=True),
    _f("outcome_at", "datetime", "When the lead was won or lost.", required=True),
    _f("amount", "money", "The amount won."),
    _f(
        "reason",
        "text",
        "A reason key or label from the outcome's list (not for won).",
        max_length=150,
    ),
    _f("owner", "text", "Who owned the lead (username or email).", max_length=254),
]

FIELDS: dict[str, list[Field]] = {
    ImportKind.COMPANIES: COMPANY,
    ImportKind.CONTACTS: CONTACT + COMPANY,
    ImportKind.LEADS: LEAD + CONTACT + COMPANY,
    ImportKind.CAMPAIGNS: CAMPAIGN,
    ImportKind.TOUCHES: TOUCH,
    ImportKind.OUTCOMES: OUTCOME,
}
# A lead's facts are open-ended: any `facts.<name>` field is allowed in leads and outcomes
# imports, kept as text (or as a list, with the `multi` format).
FACT_PREFIX = "facts."
_FACT_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


def fields_of(kind: str) -> dict[str, Field]:
    return {f.name: f for f in FIELDS.get(kind, [])}


def field_for(kind: str, name: str) -> Field | None:
    """The field `name` of `kind`, or None. Facts are made up on the fly for leads."""
    found = fields_of(kind).get(name)
    fact = name.removeprefix(FACT_PREFIX)
    with_facts = kind in (ImportKind.LEADS, ImportKind.OUTCOMES)
    if found is None and with_facts and fact != name and _FACT_NAME.match(fact):
        return Field(name, "text", "A fact about the lead.", max_length=1000)
    return found


# Presets: the column names HubSpot's and Salesforce's exports use, and common spellings.
PRESETS: dict[str, dict[str, str]] = {
    "hubspot": {
        "Email": "email",
        "First Name": "first_name",
        "Last Name": "last_name",
        "Phone Number": "phone",
        "Job Title": "title",
        "Country/Region": "country",
        "Company Name": "company_name",
        "Company Domain Name": "company_domain",
        "Website URL": "company_domain",
        "Industry": "industry",
        "Number of Employees": "employees",
        "Record ID": "external_id",
        "Original Source": "source",
        "Original Source Drill-Down 2": "campaign",
        "Lifecycle Stage": "stage",
        "Contact owner": "owner",
        "Create Date": "created_at",
        "Campaign Name": "name",
        "Campaign Type": "channel",
        "Budget": "budget",
        "Start Date": "starts_on",
        "End Date": "ends_on",
    },
    "salesforce": {
        "Email": "email",
        "First Name": "first_name",
        "Last Name": "last_name",
        "Phone": "phone",
        "Title": "title",
        "Country": "country",
        "Company": "company_name",
        "Company / Account": "company_name",
        "Website": "company_domain",
        "Industry": "industry",
        "No. of Employees": "employees",
        "Lead ID": "external_id",
        "Lead Source": "source",
        "Primary Campaign Source": "campaign",
        "Lead Status": "stage",
        "Lead Owner": "owner",
        "Created Date": "created_at",
        "Campaign Name": "name",
        "Type": "channel",
        "Budgeted Cost in Campaign": "budget",
        "Start Date": "starts_on",
        "End Date": "ends_on",
        "Campaign Owner": "owner",
    },
}
SYNONYMS = {
    "e_mail": "email",
    "email_address": "email",
    "mail": "email",
    "firstname": "first_name",
    "given_name": "first_name",
    "lastname": "last_name",
    "surname": "last_name",
    "family_name": "last_name",
    "telephone": "phone",
    "phone_number": "phone",
    "mobile": "phone",
    "job_title": "title",
    "position": "title",
    "company": "company_name",
    "organisation": "company_name",
    "organization": "company_name",
    "account": "company_name",
    "account_name": "company_name",
    "domain": "company_domain",
    "website": "company_domain",
    "web_site": "company_domain",
    "url": "company_domain",
    "id": "external_id",
    "lead_id": "external_id",
    "record_id": "external_id",
    "origin": "source",
    "lead_source": "source",
    "utm_source": "source",
    "utm_campaign": "campaign",
    "campaign_name": "campaign",
    "lead_owner": "owner",
    "owner_email": "owner",
    "status": "stage",
    "lifecycle_stage": "stage",
    "created": "created_at",
    "create_date": "created_at",
    "created_date": "created_at",
    "value": "amount",
    "deal_amount": "amount",
    "start_date": "starts_on",
    "end_date": "ends_on",
    "type": "channel",
}


def _normal(header: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", header.strip().lower()).strip("_")


def suggest_mapping(kind: str, header: list[str], preset: str | None = None) -> dict[str, str]:
    """{column: field} for the columns whose name says which field they are; each field once,
    the first column that names it wins. A preset's names come first."""
    fields = fields_of(kind)
    named = PRESETS.get(preset or "", {})
    taken: set[str] = set()
    suggestion: dict[str, str] = {}
    for column in header:
        normal = _normal(column)
        candidates = [named.get(column.strip()), normal, SYNONYMS.get(normal)]
        for candidate in candidates:
            if candidate and candidate in fields and candidate not in taken:
                suggestion[column] = candidate
                taken.add(candidate)
                break
    return suggestion
