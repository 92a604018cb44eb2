"""The definition and scoring endpoints: same error shape as the rest of /api/v1."""

import pytest

from tests.api.conftest import error_of
from truce.funnel.models import SalesReadyDefinition
from truce.ledger.models import Event
from truce.scoring.models import ScoringRule
from truce.touches import services as touch_services

RULE = "fit_score >= 40 and engagement_score >= 30"


@pytest.fixture
def mona(client_for, marketing_owner):
    return client_for(marketing_owner)


@pytest.fixture
def sam(client_for, sales_owner):
    return client_for(sales_owner)


def test_propose_sign_and_read_the_definition_in_force(mona, sam):
    created = mona.post("/definitions", {"rule": RULE, "notes": "Q1"})
    assert created.status_code == 201
    assert created.json()["version"] == 1
    assert created.json()["status"] == "awaiting_signatures"
    assert mona.get("/definitions/in-force").status_code == 404

    first = mona.post("/definitions/1/sign")
    second = sam.post("/definitions/1/sign")

    assert first.json()["marketing_signed_by"] == "mona"
    assert first.json()["status"] == "awaiting_signatures"
    body = second.json()
    assert (body["status"], body["marketing_signed_by"], body["sales_signed_by"]) == (
        "in_force",
        "mona",
        "sam",
    )
    assert body["in_force_from"] is not None
    assert mona.get("/definitions/in-force").json() == body
    assert mona.get("/definitions/1").json() == body
    assert [d["version"] for d in mona.get("/definitions").json()["items"]] == [1]


def test_a_bad_rule_is_a_400_with_position_and_nothing_is_written(mona):
    before = Event.objects.count()

    response = mona.post("/definitions", {"rule": "fit_score >= 40 and and x"})

    assert response.status_code == 400
    assert error_of(response) == {
        "code": "invalid_rule",
        "field": "rule",
        "message": "Syntax error at position 21 ('and') in rule 'fit_score >= 40 and and x'.",
        "errors": [
            {
                "code": "invalid_rule",
                "field": "rule",
                "message": "Syntax error at position 21 ('and') "
                "in rule 'fit_score >= 40 and and x'.",
            }
        ],
    }
    assert (SalesReadyDefinition.objects.count(), Event.objects.count()) == (0, before)


def test_signing_refusals_are_403_and_409(mona, client_for, admin_user):
    mona.post("/definitions", {"rule": RULE})
    mona.post("/definitions/1/sign")

    by_admin = client_for(admin_user).post("/definitions/1/sign")
    twice = mona.post("/definitions/1/sign")
    missing = mona.post("/definitions/7/sign")

    assert (by_admin.status_code, error_of(by_admin)["code"]) == (403, "permission_denied")
    assert (twice.status_code, error_of(twice)["code"]) == (409, "already_signed")
    assert (missing.status_code, error_of(missing)["code"]) == (404, "not_found")


def test_unknown_fields_are_refused(mona):
    response = mona.post("/definitions", {"rule": RULE, "version": 3})

    assert (response.status_code, error_of(response)["field"]) == (422, "version")


def test_create_list_and_patch_scoring_rules(client_for, marketer):
    api = client_for(marketer)

    created = api.post(
        "/scoring/rules",
        {
            "kind": "engagement",
            "name": "Webinar",
            "points": 10,
            "touch_kind": "webinar",
            "half_life_days": 30,
        },
    )
    rule_id = created.json()["id"]
    patched = api.patch(f"/scoring/rules/{rule_id}", {"points": 12, "is_active": False})

    assert created.status_code == 201
    assert {k: created.json()[k] for k in ("kind", "name", "points", "half_life_days")} == {
        "kind": "engagement",
        "name": "Webinar",
        "points": 10,
        "half_life_days": 30,
    }
    assert (patched.json()["points"], patched.json()["is_active"]) == (12, False)
    assert api.get("/scoring/rules", {"active": "true"}).json()["items"] == []
    assert [r["id"] for r in api.get("/scoring/rules").json()["items"]] == [rule_id]


def test_a_bad_scoring_rule_is_a_400_naming_the_field(client_for, marketer):
    api = client_for(marketer)

    response = api.post(
        "/scoring/rules",
        {"kind": "fit", "name": "Big", "points": 5, "expression": "company_employes > 5"},
    )

    body = error_of(response)
    assert (response.status_code, body["code"], body["field"]) == (
        400,
        "invalid_rule",
        "expression",
    )
    assert body["message"].startswith("Unknown name 'company_employes' at position 1")
    assert ScoringRule.objects.count() == 0


def test_a_sales_rep_may_read_but_not_write_scoring_rules(client_for, rep):
    api = client_for(rep)

    assert api.get("/scoring/rules").status_code == 200
    response = api.post(
        "/scoring/rules", {"kind": "fit", "name": "x", "points": 1, "expression": "score > 1"}
    )
    assert response.status_code == 403


def test_a_lead_score_comes_with_its_explanation(client_for, marketer, make_lead, admin_user):
    api = client_for(marketer)
    rule = api.post(
        "/scoring/rules", {"kind": "engagement", "name": "Demo", "points": 25, "touch_kind": "demo"}
    ).json()
    lead = make_lead("lead")
    touch_services.record_touch(lead=lead, kind="demo", actor=admin_user)

    response = api.get(f"/leads/{lead.pk}/score")

    body = response.json()
    assert (body["fit_score"], body["engagement_score"], body["score"]) == (0, 25, 25)
    assert body["explanation"] == [
        {"rule_id": rule["id"], "name": "Demo", "kind": "engagement", "points": 25}
    ]
    assert api.get("/leads/999999/score").status_code == 404
