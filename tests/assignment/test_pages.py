"""The queue page through the Django client: ordering, accept and reject in place, refusals."""

from datetime import timedelta

import pytest
from django.utils import timezone

from truce.assignment import services
from truce.funnel.models import Lead
from truce.identity.models import Role
from truce.ledger.models import Event

HTMX = {"HX-Request": "true"}


@pytest.fixture
def assigned(make_lead, make_contact, rep, sales_owner):
    def make(first_name, owner=None, hours_ago=1):
        contact = make_contact(first_name=first_name, last_name="Doe")
        lead = make_lead("mql", contact=contact)
        lead = services.reassign_lead(lead=lead, owner=owner or rep, actor=sales_owner)
        Lead.objects.filter(pk=lead.pk).update(
            assigned_at=timezone.now() - timedelta(hours=hours_ago)
        )
        return lead

    return make


@pytest.fixture
def rep_client(client, rep):
    client.force_login(rep)
    return client


def _error(html: str) -> str:
    start = html.index('<p class="error" role="alert"')
    return html[html.index(">", start) + 1 : html.index("</p>", start)]


def test_queue_lists_my_leads_most_urgent_first(
    rep_client, assigned, make_user, django_assert_num_queries
):
    assigned("Newer", hours_ago=1)
    assigned("Older", hours_ago=5)
    accepted = assigned("Accepted", hours_ago=9)
    Lead.objects.filter(pk=accepted.pk).update(disposition="accepted")
    assigned("Theirs", owner=make_user(Role.SALES_REP))

    with django_assert_num_queries(5):  # session, user, reasons, agreement in force, queue
        html = rep_client.get("/queue/").content.decode()

    assert html.index("Older Doe") < html.index("Newer Doe") < html.index("Accepted Doe")
    assert "Theirs Doe" not in html
    assert "5\xa0hours ago" in html
    assert 'aria-current="page">Queue</a>' in html
    assert '<label for="reason-' in html


def test_htmx_get_returns_only_the_table(rep_client, assigned):
    assigned("Ada")
    html = rep_client.get("/queue/", headers=HTMX).content.decode()
    assert html.startswith('<section id="queue"')


def test_accept_in_place_returns_the_row(rep_client, assigned):
    lead = assigned("Ada")

    response = rep_client.post(f"/queue/leads/{lead.pk}/accept/", headers=HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith(f'<tr id="queue-lead-{lead.pk}">')
    assert "Accepted: the lead is now a SAL." in html
    assert ">Accept</button>" not in html
    stored = Lead.objects.get(pk=lead.pk)
    assert (stored.disposition, stored.stage.key) == ("accepted", "sal")


def test_reject_in_place_with_reason(rep_client, assigned):
    lead = assigned("Ada")

    response = rep_client.post(
        f"/queue/leads/{lead.pk}/reject/",
        {"reason": "student", "note": "Thesis research"},
        headers=HTMX,
    )

    assert response.status_code == 200
    assert "Rejected: Student or job seeker. Back with marketing." in response.content.decode()
    event = Event.objects.get(lead_id=lead.pk, kind="lead.rejected")
    assert (event.payload["reason"], event.payload["note"]) == ("student", "Thesis research")


def test_reject_without_reason_is_refused_in_the_row(rep_client, assigned):
    lead = assigned("Ada")
    before = Event.objects.count()

    response = rep_client.post(
        f"/queue/leads/{lead.pk}/reject/", {"reason": "", "note": "keep me"}, headers=HTMX
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert html.startswith(f'<tr id="queue-lead-{lead.pk}">')
    assert _error(html) == "Rejecting a lead needs a reason from the rejected list."
    assert 'value="keep me"' in html
    assert Event.objects.count() == before
    assert Lead.objects.get(pk=lead.pk).disposition == ""


def test_without_javascript_accept_redirects_and_refusal_renders_the_page(
    rep_client, assigned, make_user, client
):
    lead = assigned("Ada")
    response = rep_client.post(f"/queue/leads/{lead.pk}/accept/")
    assert (response.status_code, response["Location"]) == (302, "/queue/")
    assert "Accepted: the lead is now a SAL." in rep_client.get("/queue/").content.decode()

    refused = rep_client.post(f"/queue/leads/{lead.pk}/accept/")
    assert refused.status_code == 409
    html = refused.content.decode()
    assert "<h1>My queue</h1>" in html
    assert _error(html) == "The lead was already accepted; reassign it to ask again."


def test_another_rep_is_refused(client, assigned, make_user):
    lead = assigned("Ada")
    client.force_login(make_user(Role.SALES_REP))
    before = Event.objects.count()

    response = client.post(f"/queue/leads/{lead.pk}/accept/", headers=HTMX)

    assert response.status_code == 403
    assert "Only the lead&#x27;s owner" in response.content.decode()
    assert Event.objects.count() == before


def test_unknown_lead_is_404_and_anonymous_is_sent_to_login(rep_client, client):
    assert rep_client.post("/queue/leads/999999/accept/").status_code == 404
    rep_client.logout()
    assert rep_client.get("/queue/").status_code == 302
