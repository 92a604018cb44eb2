"""The definition page and the score on the lead page."""

import pytest
from django.test import Client

from truce.funnel.models import SalesReadyDefinition
from truce.funnel.services import qualification
from truce.ledger.models import Event
from truce.scoring import services as scoring
from truce.touches import services as touch_services

HTMX = {"HX-Request": "true"}


@pytest.fixture
def login():
    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def two_versions(marketing_owner, sales_owner):
    qualification.propose_definition(rule="fit_score >= 40", actor=marketing_owner)
    qualification.sign_definition(version=1, actor=marketing_owner)
    qualification.sign_definition(version=1, actor=sales_owner)
    qualification.propose_definition(
        rule="fit_score >= 50 and engagement_score >= 30", actor=marketing_owner
    )


def test_the_page_lists_versions_signatures_and_the_diff(login, rep, two_versions):
    page = login(rep).get("/definitions/").content.decode()

    assert '<code id="rule-in-force">fit_score &gt;= 40</code>' in page
    assert "Version 1, in force since" in page
    assert "Awaiting signatures" in page
    assert '<del aria-label="removed">40</del>' in page
    assert '<ins aria-label="added">50 and engagement_score &gt;= 30</ins>' in page
    assert "Propose a new version" not in page  # a rep does not propose
    assert 'id="sign-2"' not in page  # nor sign


def test_an_owner_signs_from_the_page(login, sales_owner, two_versions):
    client = login(sales_owner)
    assert 'id="sign-2"' in client.get("/definitions/").content.decode()

    response = client.post("/definitions/2/sign/", follow=True)

    page = response.content.decode()
    assert "You signed version 2; it awaits the other owner." in page
    assert SalesReadyDefinition.objects.get(version=2).sales_signed_by == sales_owner
    assert 'id="sign-2"' not in page


def test_a_refused_signature_is_shown_beside_the_version(login, make_user, two_versions):
    from truce.identity.models import Role

    marketer = make_user(Role.MARKETER)
    before = Event.objects.count()

    response = login(marketer).post("/definitions/2/sign/", headers=HTMX)

    page = response.content.decode()
    assert response.status_code == 403
    assert "<html" not in page  # the fragment only
    assert (
        '<p class="error" role="alert" id="sign-2-error">Only the marketing owner or the sales '
        "owner signs a sales-ready definition.</p>"
    ) in page
    assert Event.objects.count() == before


def test_a_bad_proposal_keeps_the_text_and_shows_the_reason(login, marketing_owner):
    before = Event.objects.count()

    response = login(marketing_owner).post(
        "/definitions/propose/", {"rule": "fit_score >= and 3", "notes": "try"}
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "Syntax error at position 14 (&#x27;and&#x27;)" in page
    assert ">fit_score &gt;= and 3</textarea>" in page
    assert (SalesReadyDefinition.objects.count(), Event.objects.count()) == (0, before)


def test_a_proposal_from_the_page_creates_the_next_version(login, marketing_owner, two_versions):
    response = login(marketing_owner).post(
        "/definitions/propose/", {"rule": "fit_score >= 60", "notes": ""}, headers=HTMX
    )

    assert response.status_code == 200
    assert "Version 3 is proposed; both owners must sign it." in response.content.decode()
    assert SalesReadyDefinition.objects.get(version=3).rule == "fit_score >= 60"


def test_the_lead_page_shows_the_rules_behind_the_score(login, rep, marketer, make_lead):
    scoring.create_rule(
        actor=marketer, kind="engagement", name="Demo booked", points=25, touch_kind="demo"
    )
    lead = make_lead("lead")
    touch_services.record_touch(lead=lead, kind="demo", actor=rep)

    page = login(rep).get(f"/leads/{lead.pk}/").content.decode()

    assert '<strong class="score-total">25</strong> = fit 0 + engagement 25' in page
    assert '<tr><th scope="row">Demo booked</th><td>Engagement</td><td>+25</td></tr>' in page


def test_rule_diff_is_word_by_word():
    from truce.funnel.definition_views import rule_diff

    assert rule_diff("a >= 40 and b", "a >= 50 and b and c") == [
        ("same", "a >="),
        ("removed", "40"),
        ("added", "50"),
        ("same", "and b"),
        ("added", "and c"),
    ]
