"""The assignment endpoints: queue, accept, reject, assign, routing configuration."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.api.conftest import ApiClient
from truce.assignment import services
from truce.assignment.models import Pool, RoutingRule
from truce.funnel.models import Lead
from truce.identity import services as identity_services
from truce.identity.models import Role


@pytest.fixture
def client_for():
    def make(user) -> ApiClient:
        return ApiClient(identity_services.create_api_token(user=user, name="tests")[1])

    return make


@pytest.fixture
def assigned(make_lead, rep, sales_owner):
    def make(owner=None, **fields):
        lead = make_lead("mql", **fields)
        return services.reassign_lead(lead=lead, owner=owner or rep, actor=sales_owner)

    return make


def test_queue_lists_awaiting_first_then_oldest(assigned, rep, client_for, make_user):
    old, new, accepted = assigned(), assigned(), assigned()
    now = timezone.now()
    Lead.objects.filter(pk=old.pk).update(assigned_at=now - timedelta(hours=5))
    Lead.objects.filter(pk=new.pk).update(assigned_at=now - timedelta(hours=1))
    Lead.objects.filter(pk=accepted.pk).update(
        assigned_at=now - timedelta(hours=9), disposition="accepted"
    )
    assigned(owner=make_user(Role.SALES_REP))  # someone else's

    response = client_for(rep).get("/queue")

    assert response.status_code == 200
    items = response.json()["items"]
    assert [i["id"] for i in items] == [old.pk, new.pk, accepted.pk]
    assert [i["disposition"] for i in items] == ["", "", "accepted"]
    assert items[0]["owner"] == "rep"


def test_accept(assigned, rep, client_for, event_count):
    lead, client = assigned(), client_for(rep)
    before = event_count()

    response = client.post(f"/leads/{lead.pk}/accept")

    assert response.status_code == 200
    body = response.json()
    assert (body["disposition"], body["stage"]) == ("accepted", "sal")
    assert event_count() == before + 2  # stage_changed and accepted


def test_accept_by_another_rep_is_403(assigned, client_for, make_user, event_count):
    lead, client = assigned(), client_for(make_user(Role.SALES_REP))
    before = event_count()

    response = client.post(f"/leads/{lead.pk}/accept")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert event_count() == before


def test_reject_with_reason(assigned, rep, client_for):
    lead = assigned()

    response = client_for(rep).post(
        f"/leads/{lead.pk}/reject", {"reason": "not_icp", "note": "Too small"}
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["disposition"], body["disposition_reason"], body["owner"], body["stage"]) == (
        "rejected",
        "not_icp",
        None,
        "lead",
    )


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"reason": None}, 400, "reason_required"),
        ({"reason": "price"}, 400, "reason_required"),
        ({}, 422, "missing"),
        ({"reason": "not_icp", "colour": "red"}, 422, "unknown_field"),
    ],
)
def test_reject_refusals(assigned, rep, client_for, event_count, body, status, code):
    lead, client = assigned(), client_for(rep)
    before = event_count()

    response = client.post(f"/leads/{lead.pk}/reject", body)

    assert response.status_code == status
    error = response.json()
    assert error["code"] == code
    assert error["field"] == "reason" or code == "unknown_field"
    assert error["errors"][0] == {k: error[k] for k in ("code", "field", "message")}
    assert event_count() == before
    assert Lead.objects.get(pk=lead.pk).owner == rep


def test_accept_twice_is_409(assigned, rep, client_for):
    lead = assigned()
    client = client_for(rep)
    client.post(f"/leads/{lead.pk}/accept")

    response = client.post(f"/leads/{lead.pk}/accept")

    assert response.status_code == 409
    assert response.json()["code"] == "already_disposed"


def test_unknown_lead_is_404(client_for, rep):
    response = client_for(rep).post("/leads/999999/accept")
    assert (response.status_code, response.json()["field"]) == (404, "lead_id")


def test_assign_by_sales_owner(make_lead, rep, sales_owner, client_for):
    lead = make_lead("mql")

    response = client_for(sales_owner).post(
        f"/leads/{lead.pk}/assign", {"owner": "rep", "reason": "territory"}
    )

    assert response.status_code == 200
    assert (response.json()["owner"], response.json()["disposition"]) == ("rep", "")


def test_assign_by_rep_is_403_and_unknown_owner_is_404(make_lead, rep, sales_owner, client_for):
    lead = make_lead("mql")
    assert client_for(rep).post(f"/leads/{lead.pk}/assign", {"owner": "rep"}).status_code == 403
    response = client_for(sales_owner).post(f"/leads/{lead.pk}/assign", {"owner": "ghost"})
    assert (response.status_code, response.json()["field"]) == (404, "owner")


def test_pool_and_member_crud(client_for, sales_owner, rep):
    client = client_for(sales_owner)

    created = client.post("/routing/pools", {"name": "EMEA", "team": "sales", "is_default": True})
    assert created.status_code == 201
    pool_id = created.json()["id"]
    added = client.post(f"/routing/pools/{pool_id}/members", {"user": "rep", "weight": 3})
    assert added.status_code == 201
    member_id = added.json()["members"][0]["id"]
    patched = client.patch(f"/routing/pools/{pool_id}/members/{member_id}", {"active": False})
    assert patched.json()["members"] == [
        {"id": member_id, "user": "rep", "weight": 3, "active": False}
    ]
    renamed = client.patch(f"/routing/pools/{pool_id}", {"name": "Europe"})
    assert (renamed.json()["name"], renamed.json()["team"]) == ("Europe", "sales")
    listed = client.get("/routing/pools").json()["items"]
    assert [p["name"] for p in listed] == ["Europe"]
    removed = client.delete(f"/routing/pools/{pool_id}/members/{member_id}")
    assert removed.json()["members"] == []


def test_pool_refusals(client_for, sales_owner, rep):
    client = client_for(sales_owner)
    client.post("/routing/pools", {"name": "EMEA"})
    assert client.post("/routing/pools", {"name": "EMEA"}).status_code == 409
    bad_team = client.post("/routing/pools", {"name": "X", "team": "finance"})
    assert (bad_team.status_code, bad_team.json()["field"]) == (404, "team")
    pool_id = Pool.objects.get().pk
    bad_weight = client.post(f"/routing/pools/{pool_id}/members", {"user": "rep", "weight": 0})
    assert (bad_weight.status_code, bad_weight.json()["field"]) == (422, "weight")
    assert client_for(rep).post("/routing/pools", {"name": "Mine"}).status_code == 403


def test_rule_crud(client_for, sales_owner):
    client = client_for(sales_owner)
    pool_id = client.post("/routing/pools", {"name": "Benelux"}).json()["id"]

    created = client.post(
        "/routing/rules",
        {"name": "Benelux", "condition": "company_country in ['BE', 'NL']", "pool_id": pool_id},
    )
    assert created.status_code == 201
    rule = created.json()
    assert (rule["position"], rule["pool"]) == (1, "Benelux")
    patched = client.patch(f"/routing/rules/{rule['id']}", {"position": 5, "is_active": False})
    assert (patched.json()["position"], patched.json()["is_active"]) == (5, False)
    assert [r["id"] for r in client.get("/routing/rules").json()["items"]] == [rule["id"]]
    assert client.delete(f"/routing/rules/{rule['id']}").status_code == 204
    assert RoutingRule.objects.count() == 0


def test_bad_rule_is_400_with_position(client_for, sales_owner, event_count):
    client = client_for(sales_owner)
    pool_id = client.post("/routing/pools", {"name": "P"}).json()["id"]
    before = event_count()

    response = client.post(
        "/routing/rules", {"name": "Bad", "condition": "x == == 1", "pool_id": pool_id}
    )

    assert response.status_code == 400
    body = response.json()
    assert (body["code"], body["field"]) == ("invalid_rule", "condition")
    assert body["message"] == "Syntax error at position 6 ('==') in rule 'x == == 1'."
    assert event_count() == before
    missing_pool = client.post("/routing/rules", {"name": "B", "condition": "true", "pool_id": 99})
    assert (missing_pool.status_code, missing_pool.json()["field"]) == (404, "pool_id")
