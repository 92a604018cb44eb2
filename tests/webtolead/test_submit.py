"""Public submissions that are accepted: what they create, reuse and map."""

import html
import json

from truce.funnel import services as funnel_services
from truce.funnel.models import Lead
from truce.ledger.models import Event
from truce.ledger.selectors import verify_chain
from truce.people.models import Company, Contact
from truce.touches.models import Touch
from truce.webtolead.models import Submission, WebForm

ADA = {
    "email": " Ada@Example.com ",
    "first_name": "Ada",
    "last_name": "Lovelace",
    "company": "Analytical Engines",
    "title": "Mathematician",
    "phone": "+44 20 7946 0000",
    "country": "gb",
    "message": "Please call me about the Engine.",
    "website": "",
    "submit": "Send",  # a page builder's button name: ignored in a form post
}
NO_UTM = {"utm_source": "", "utm_medium": "", "utm_campaign": "", "utm_term": "", "utm_content": ""}


def only(model):
    rows = list(model.objects.all())
    assert len(rows) == 1, rows
    return rows[0]


def test_a_form_post_creates_a_contact_a_lead_and_a_form_fill_touch(web_form, visitor):
    response = visitor.post(web_form, ADA)

    assert response.status_code == 200
    assert b"Thank you. We will be in touch soon." in response.content
    contact, lead, touch = only(Contact), only(Lead), only(Touch)
    company = only(Company)
    assert (company.name, company.domain) == ("Analytical Engines", None)
    assert (contact.email, contact.email_key, contact.first_name, contact.last_name) == (
        "Ada@Example.com",
        "ada@example.com",
        "Ada",
        "Lovelace",
    )
    assert (contact.title, contact.phone, contact.country, contact.company) == (
        "Mathematician",
        "+44 20 7946 0000",
        "GB",
        company,
    )
    assert (lead.contact, lead.company, lead.source, lead.campaign, lead.stage.key) == (
        contact,
        company,
        "web_form",
        None,
        "subscriber",
    )
    assert (touch.lead, touch.kind, touch.team, touch.channel, touch.campaign, touch.actor) == (
        lead,
        "form_fill",
        "marketing",
        "web",
        None,
        None,
    )
    assert (touch.note, touch.collateral) == ("Please call me about the Engine.", "Contact us")
    lead.refresh_from_db()
    assert (lead.touch_count, lead.first_touch_at) == (1, touch.occurred_at)
    web_form.refresh_from_db()
    assert (web_form.submission_count, web_form.spam_count) == (1, 0)


def test_the_submission_is_one_ledger_event_without_the_address(web_form, visitor):
    visitor.post(web_form, ADA)

    kinds = list(Event.objects.filter(seq__gt=2).values_list("kind", flat=True))
    assert kinds == [
        "company.created",
        "contact.created",
        "lead.created",
        "touch.recorded",
        "webform.submitted",
    ]
    submitted = Event.objects.get(kind="webform.submitted")
    submission, lead = only(Submission), only(Lead)
    assert (submitted.subject_type, submitted.subject_id, submitted.lead_id) == (
        "webform",
        web_form.pk,
        lead.pk,
    )
    assert submitted.actor_id is None
    assert submitted.payload == {
        "form": "Contact us",
        "submission_id": submission.pk,
        "contact_id": lead.contact_id,
        "contact_created": True,
        "lead_created": True,
        "touch_id": only(Touch).pk,
        "campaign_id": None,
        "utm": NO_UTM,
    }
    every_payload = json.dumps(list(Event.objects.values_list("payload", flat=True)))
    assert "203.0.113.7" not in every_payload
    assert verify_chain().ok


def test_a_json_post_answers_json(web_form, visitor):
    response = visitor.post_json(web_form, {"email": "grace@example.com", "first_name": "Grace"})

    assert response.status_code == 200
    assert response.json() == {
        "status": "received",
        "message": "Thank you. We will be in touch soon.",
        "redirect_url": None,
    }
    assert "Access-Control-Allow-Origin" not in response  # no Origin: no CORS headers
    contact = only(Contact)
    assert (contact.email, contact.first_name, only(Lead).contact) == (
        "grace@example.com",
        "Grace",
        contact,
    )


def test_a_json_post_from_an_allowed_origin_gets_cors_headers(web_form, visitor):
    response = visitor.post_json(
        web_form, {"email": "grace@example.com"}, Origin="https://www.example.com"
    )

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "https://www.example.com"
    assert response["Vary"] == "Origin"
    assert only(Lead).contact.email == "grace@example.com"


def test_a_thank_you_page_redirect_and_message(make_form, visitor):
    redirecting = make_form(name="Demo", redirect_url="https://www.example.com/thanks")
    custom = make_form(name="Newsletter", thank_you_message="Welcome aboard!")

    first = visitor.post(redirecting, {"email": "a@example.com"})
    second = visitor.post(custom, {"email": "b@example.com"})
    as_json = visitor.post_json(redirecting, {"email": "c@example.com"})

    assert (first.status_code, first["Location"]) == (303, "https://www.example.com/thanks")
    assert second.status_code == 200 and b"Welcome aboard!" in second.content
    assert as_json.json()["redirect_url"] == "https://www.example.com/thanks"
    assert Lead.objects.count() == 3


def test_an_existing_contact_is_reused_and_only_its_blanks_filled(
    web_form, visitor, make_contact, make_lead
):
    contact = make_contact(email="ada@example.com", first_name="Augusta", phone="")
    lead = make_lead("mql", contact=contact, source="webinar")
    before = {"leads": Lead.objects.count(), "contacts": Contact.objects.count()}

    response = visitor.post(web_form, {**ADA, "email": "ADA@example.com "})

    assert response.status_code == 200
    assert {"leads": Lead.objects.count(), "contacts": Contact.objects.count()} == before
    contact.refresh_from_db()
    assert (contact.first_name, contact.last_name, contact.phone, contact.country) == (
        "Augusta",  # known already: a public form does not overwrite it
        "Lovelace",
        "+44 20 7946 0000",
        "GB",
    )
    touch = only(Touch)
    lead.refresh_from_db()
    assert (touch.lead, lead.source, lead.stage.key, lead.touch_count) == (
        lead,
        "webinar",
        "mql",
        1,
    )
    submission = only(Submission)
    assert (submission.contact_created, submission.lead_created) == (False, False)
    updated = Event.objects.get(kind="contact.updated")
    assert updated.payload["changes"]["phone"] == ["", "+44 20 7946 0000"]
    assert "first_name" not in updated.payload["changes"]


def test_a_contact_whose_leads_are_closed_gets_a_new_lead(
    web_form, visitor, make_contact, make_lead, admin_user
):
    contact = make_contact(email="ada@example.com")
    old = make_lead("lead", contact=contact)
    funnel_services.set_outcome(lead=old, outcome="disqualified", reason="spam", actor=admin_user)

    visitor.post(web_form, {"email": "ada@example.com"})

    new = Lead.objects.exclude(pk=old.pk).get()
    assert (new.contact, new.outcome, only(Touch).lead) == (contact, "open", new)
    assert only(Submission).lead_created is True


def test_a_company_is_found_by_the_email_domain_or_its_exact_name(web_form, visitor, make_company):
    acme = make_company(name="Acme Corp", domain="acme.example")
    engines = make_company(name="Analytical Engines", domain="engines.example")

    visitor.post(web_form, {"email": "wile@acme.example", "company": "Something else"})
    visitor.post(web_form, {"email": "ada@gmail.example", "company": "analytical engines"})
    visitor.post(web_form, {"email": "bob@mail.example"})

    companies = dict(Contact.objects.values_list("email", "company"))
    assert companies == {
        "wile@acme.example": acme.pk,
        "ada@gmail.example": engines.pk,
        "bob@mail.example": None,
    }
    assert Company.objects.count() == 2


def test_a_known_contact_keeps_its_company(web_form, visitor, make_company, make_contact):
    acme = make_company(name="Acme Corp", domain="acme.example")
    contact = make_contact(email="wile@acme.example", company=acme)

    visitor.post(web_form, {"email": "wile@acme.example", "company": "Roadrunner Inc"})

    contact.refresh_from_db()
    assert (contact.company, Company.objects.count()) == (acme, 1)


def test_the_hosted_form_renders_the_snippet(web_form, visitor):
    response = visitor.client.get(f"/f/{web_form.key}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert f'action="/f/{web_form.key}/"' in html
    assert '<label for="truce-' in html and 'name="website"' in html
    assert "<h1>Contact us</h1>" in html


def test_fields_the_form_does_not_ask_for_are_ignored_in_a_form_post(make_form, visitor):
    form = make_form(name="Short", fields=["first_name"])

    visitor.post(form, {"email": "x@example.com", "first_name": "X", "phone": "123"})

    contact = only(Contact)
    assert (contact.first_name, contact.phone) == ("X", "")
    assert WebForm.objects.get(pk=form.pk).submission_count == 1


def test_the_submission_shows_on_the_lead_timeline(web_form, visitor, rep):
    from django.test import Client

    from tests.conftest import PASSWORD

    visitor.post(web_form, {"email": "ada@example.com", "first_name": "Ada"})
    client = Client()
    client.login(username=rep.username, password=PASSWORD)

    response = client.get(f"/leads/{only(Lead).pk}/")

    assert response.status_code == 200
    assert f"The web form {web_form.name!r} was filled in" in html.unescape(
        response.content.decode()
    )
