"""The planning API: the same services as the pages, and every refusal a 4xx with its field."""

import pytest
from django.utils import timezone

from truce.identity.models import Role
from truce.planning.disconnects import LEADS_ABOVE_CAPACITY

pytestmark = pytest.mark.django_db

NEW = {
    "period_kind": "quarter",
    "period_start": "2026-01-01",
    "product_line": "Analytics",
    "budget": "50000",
    "planned_campaigns": 2,
    "lead_target": 400,
    "reps": 4,
    "touches_per_rep_per_week": 35,
    "revenue_target": "900000.50",
    "incentives": [{"name": "Q1 SPIFF", "kind": "spiff", "amount": "2500"}],
    "note": "First draft.",
}


@pytest.fixture
def five_touches(make_agreement):
    return make_agreement([{"kind": "touches", "target": 5, "days": 7}])


def test_create_read_and_revise_a_plan(five_touches, api_for, admin_user, make_campaign):
    api = api_for(admin_user)
    launch = make_campaign(name="Launch")

    created = api.post("/plans", {**NEW, "campaign_ids": [launch.pk]})

    assert created.status_code == 201, created.content
    body = created.json()
    assert body["period"] == "2026-Q1"
    assert body["revision"] == 1
    assert body["note"] == "First draft."
    assert body["marketing"] == {
        "budget": "50000.00",
        "planned_campaigns": 2,
        "campaign_ids": [launch.pk],
        "lead_target": 400,
    }
    assert body["sales"] == {
        "revenue_target": "900000.50",
        "incentives": [{"name": "Q1 SPIFF", "kind": "spiff", "amount": "2500.00"}],
        "reps": 4,
        "touches_per_rep_per_week": 35,
    }
    [finding] = body["findings"]
    assert finding["code"] == LEADS_ABOVE_CAPACITY
    assert finding["numbers"]["capacity"] == 360
    assert finding["resolved_by_decision_id"] is None

    revised = api.patch(f"/plans/{body['id']}", {"reps": 5, "base_revision": 1})

    assert revised.status_code == 200, revised.content
    assert revised.json()["revision"] == 2
    assert revised.json()["findings"] == []  # 5 × 7 × 90/7 = 450 ≥ 400
    assert revised.json()["marketing"]["campaign_ids"] == [launch.pk]
    history = api.get(f"/plans/{body['id']}/revisions").json()["items"]
    assert [(r["revision"], r["sales"]["reps"]) for r in history] == [(2, 5), (1, 4)]
    listed = api.get("/plans").json()
    assert [(p["id"], p["open_findings"]) for p in listed["items"]] == [(body["id"], 0)]


def test_a_create_is_idempotent_with_a_key(api_for, admin_user):
    api = api_for(admin_user)

    first = api.post("/plans", NEW, **{"Idempotency-Key": "plan-q1"})
    again = api.post("/plans", NEW, **{"Idempotency-Key": "plan-q1"})

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["id"] == first.json()["id"]


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({"budget": "-1"}, 422, "invalid", "budget"),
        ({"reps": "many"}, 422, "invalid", "reps"),
        ({"colour": "red"}, 422, "unknown_field", "colour"),
        ({"incentives": [{"name": "x", "kind": "gift", "amount": 1}]}, 422, "invalid", None),
        ({"period_start": "2026-02-01"}, 400, "invalid", "period_start"),
        ({"campaign_ids": [999999]}, 404, "not_found", "campaign_ids"),
        ({"planned_campaigns": 0, "campaign_ids": ["LAUNCH"]}, 400, "invalid", "campaign_ids"),
    ],
)
def test_bad_plans_are_refused_with_the_field(
    api_for, admin_user, make_campaign, counts, error_of, body, status, code, field
):
    api = api_for(admin_user)
    if body.get("campaign_ids") == ["LAUNCH"]:
        body = {**body, "campaign_ids": [make_campaign().pk]}
    before = counts()

    response = api.post("/plans", {**NEW, **body})

    got_status, got_code, got_field = error_of(response)
    assert got_status == status
    if field is not None:
        assert (got_code, got_field.split(".")[0] if got_field else None) == (code, field)
    assert counts() == before


def test_the_other_side_is_refused_with_403(api_for, owners, make_plan, counts, error_of):
    marketing, _ = owners
    plan = make_plan()
    api = api_for(marketing)
    before = counts()

    response = api.patch(f"/plans/{plan.pk}", {"revenue_target": "1"})

    assert error_of(response) == (403, "permission_denied", "revenue_target")
    assert counts() == before


def test_a_stale_edit_is_a_409(api_for, admin_user, make_plan, counts, error_of):
    plan = make_plan()
    api = api_for(admin_user)
    api.patch(f"/plans/{plan.pk}", {"reps": 3, "base_revision": 1})
    before = counts()

    response = api.patch(f"/plans/{plan.pk}", {"reps": 4, "base_revision": 1})

    assert error_of(response) == (409, "conflict", "base_revision")
    assert counts() == before


def test_everyone_reads_plans(api_for, make_user, make_plan):
    plan = make_plan()
    viewer = api_for(make_user(Role.VIEWER))

    assert viewer.get(f"/plans/{plan.pk}").status_code == 200
    assert viewer.get("/plans/999999").status_code == 404
    assert viewer.patch(f"/plans/{plan.pk}", {"budget": "1"}).status_code == 403


def test_record_a_review_through_the_api(five_touches, api_for, owners, make_plan):
    _, sales = owners
    plan = make_plan(lead_target=400, reps=4, touches_per_rep_per_week=35)
    api = api_for(sales)
    finding_id = api.get(f"/plans/{plan.pk}").json()["findings"][0]["id"]
    today = timezone.localdate().isoformat()

    response = api.post(
        f"/plans/{plan.pk}/reviews",
        {
            "held_on": today,
            "attendees": ["vp_marketing", "vp_sales"],
            "notes": "Q1 review",
            "decisions": [
                {
                    "text": "Hire",
                    "owner": "vp_sales",
                    "due_on": "2026-02-01",
                    "resolves": [finding_id],
                }
            ],
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["attendees"] == ["vp_marketing", "vp_sales"]
    [decision] = body["decisions"]
    assert (decision["owner"], decision["resolves"]) == ("vp_sales", [finding_id])
    finding = api.get(f"/plans/{plan.pk}").json()["findings"][0]
    assert finding["resolved_by_decision_id"] == decision["id"]
    assert api.get(f"/plans/{plan.pk}/reviews").json()["items"] == [body]


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"attendees": ["nobody"]}, 404, "attendees"),
        ({"attendees": []}, 422, "attendees"),
        (
            {"decisions": [{"text": "x", "owner": "ghost", "due_on": "2026-02-01"}]},
            404,
            "decisions[0].owner",
        ),
        (
            {
                "decisions": [
                    {"text": "x", "owner": "vp_sales", "due_on": "2026-02-01", "resolves": [999]}
                ]
            },
            400,
            "decisions[0].resolves",
        ),
        ({"held_on": "2999-01-01"}, 400, "held_on"),
    ],
)
def test_a_bad_review_is_refused(
    api_for, owners, make_plan, counts, error_of, change, status, field
):
    plan = make_plan()
    api = api_for(owners[1])
    body = {"held_on": timezone.localdate().isoformat(), "attendees": ["vp_sales"], **change}
    before = counts()

    response = api.post(f"/plans/{plan.pk}/reviews", body)

    got = error_of(response)
    assert got[0] == status
    assert got[2] is not None and got[2].startswith(field)
    assert counts() == before


def test_recheck_through_the_api(api_for, admin_user, make_plan, make_agreement):
    plan = make_plan(lead_target=400, reps=4, touches_per_rep_per_week=35)
    make_agreement([{"kind": "touches", "target": 5, "days": 7}])

    response = api_for(admin_user).post(f"/plans/{plan.pk}/recheck", {})

    assert response.status_code == 200
    assert response.json()["revision"] == 2
    assert [f["code"] for f in response.json()["findings"]] == [LEADS_ABOVE_CAPACITY]
