"""The plan pages: everyone reads, owners edit their side, reviews resolve findings."""

import pytest
from django.test import Client
from django.utils import timezone

from tests.conftest import PASSWORD
from truce.identity.models import Role
from truce.planning.disconnects import LEADS_ABOVE_CAPACITY
from truce.planning.models import Finding

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_for():
    def make(user) -> Client:
        client = Client()
        assert client.login(username=user.username, password=PASSWORD)
        return client

    return make


@pytest.fixture
def capacity_plan(make_agreement, make_plan):
    make_agreement([{"kind": "touches", "target": 5, "days": 7}])
    return make_plan(lead_target=400, reps=4, touches_per_rep_per_week=35)


def test_the_list_shows_every_plan_in_a_fixed_number_of_queries(
    make_plan, make_user, client_for, django_assert_num_queries
):
    for line in ("Analytics", "Platform", "Services"):
        make_plan(product_line=line, budget="1000")
    client = client_for(make_user(Role.VIEWER))

    # session, user, the plans with their current revision and open findings
    with django_assert_num_queries(3):
        response = client.get("/plans/")

    assert response.status_code == 200
    text = response.content.decode()
    assert text.count("2026-Q1") == 3
    assert "New plan" not in text  # a viewer reads only


def test_the_detail_explains_each_finding(capacity_plan, make_user, client_for):
    response = client_for(make_user(Role.SALES_REP)).get(f"/plans/{capacity_plan.pk}/")

    text = response.content.decode()
    assert response.status_code == 200
    assert "The lead target of 400 is above the 360 leads sales can work" in text
    assert "7 leads per rep per week at 5 touches per lead" in text
    assert "360 leads in the period" in text
    assert "Marketing&#x27;s side" in text or "Marketing's side" in text
    assert "Edit plan" not in text


def test_the_marketing_owner_saves_a_new_revision(capacity_plan, owners, client_for):
    marketing, _ = owners
    client = client_for(marketing)
    page = client.get(f"/plans/{capacity_plan.pk}/edit/").content.decode()
    assert 'name="reps"' in page and "disabled" in page  # sales' side is shown, not editable

    response = client.post(
        f"/plans/{capacity_plan.pk}/edit/",
        {
            "base_revision": 1,
            "budget": "42000",
            "planned_campaigns": 0,
            "lead_target": 350,
            "note": "Fewer leads, better ones.",
            "reps": 99,  # a disabled field: ignored, the current value stays
        },
    )

    assert response.status_code == 302
    capacity_plan.refresh_from_db()
    revision = capacity_plan.current
    assert (revision.number, revision.lead_target, revision.reps) == (2, 350, 4)
    assert str(revision.budget) == "42000.00"
    assert revision.note == "Fewer leads, better ones."
    assert not revision.findings.exists()  # 350 ≤ 360


def test_a_refused_edit_shows_the_reason_and_changes_nothing(capacity_plan, owners, client_for):
    _, sales = owners
    response = client_for(sales).post(
        f"/plans/{capacity_plan.pk}/edit/",
        {
            "revenue_target": "1",
            "reps": 4,
            "touches_per_rep_per_week": 35,
            "incentives": "gift | Trip | 100",
        },
    )

    assert response.status_code == 400
    assert "is not an incentive kind" in response.content.decode()
    capacity_plan.refresh_from_db()
    assert capacity_plan.revision_count == 1


def test_create_a_plan_from_the_page(owners, client_for):
    marketing, _ = owners
    response = client_for(marketing).post(
        "/plans/new/",
        {
            "period_kind": "month",
            "period_start": "2026-03-01",
            "product_line": "Platform",
            "budget": "12000",
            "planned_campaigns": 2,
            "lead_target": 80,
        },
    )

    assert response.status_code == 302
    detail = client_for(marketing).get(response["Location"]).content.decode()
    assert "Plan 2026-03 · Platform" in detail


@pytest.mark.parametrize("role", [Role.VIEWER, Role.SALES_REP, Role.MARKETER])
def test_only_owners_see_the_write_pages(capacity_plan, make_user, client_for, role):
    client = client_for(make_user(role))
    assert client.get("/plans/new/").status_code == 403
    assert client.get(f"/plans/{capacity_plan.pk}/edit/").status_code == 403
    assert client.get(f"/plans/{capacity_plan.pk}/reviews/new/").status_code == 403


def test_record_a_review_that_resolves_a_finding(capacity_plan, owners, client_for):
    marketing, sales = owners
    finding = Finding.objects.get(revision=capacity_plan.current, code=LEADS_ABOVE_CAPACITY)
    client = client_for(sales)

    response = client.post(
        f"/plans/{capacity_plan.pk}/reviews/new/",
        {
            "held_on": timezone.localdate().isoformat(),
            "attendees": [marketing.pk, sales.pk],
            "decision-0-text": "Hire a fifth rep",
            "decision-0-owner": sales.pk,
            "decision-0-due_on": "2026-02-15",
            "decision-0-resolves": [finding.pk],
        },
    )

    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.resolved_by.text == "Hire a fifth rep"
    detail = client.get(f"/plans/{capacity_plan.pk}/").content.decode()
    assert "Resolved by the decision “Hire a fifth rep”" in detail


def test_a_decision_without_owner_is_refused_on_the_page(capacity_plan, owners, client_for):
    _, sales = owners
    response = client_for(sales).post(
        f"/plans/{capacity_plan.pk}/reviews/new/",
        {
            "held_on": timezone.localdate().isoformat(),
            "attendees": [sales.pk],
            "decision-0-text": "Hire",
        },
    )

    assert response.status_code == 400
    assert "A decision needs a text, an owner and a due date." in response.content.decode()
    assert not capacity_plan.reviews.exists()


def test_check_again_from_the_page(make_plan, make_agreement, owners, client_for):
    plan = make_plan(lead_target=400, reps=4, touches_per_rep_per_week=35)
    make_agreement([{"kind": "touches", "target": 5, "days": 7}])
    client = client_for(owners[0])

    response = client.post(f"/plans/{plan.pk}/recheck/", follow=True)

    assert "Checked again: the findings changed (revision 2)." in response.content.decode()
    assert "The lead target of 400 is above the 360 leads" in response.content.decode()
