"""The shared vocabulary: stages, reason lists and the glossary, read-only."""

from truce.funnel import services

from .conftest import error_of


def test_stages_in_order(api):
    response = api.get("/stages")

    assert response.status_code == 200
    keys = [s["key"] for s in response.json()["items"]]
    assert keys[:4] == ["subscriber", "lead", "mql", "sal"]
    assert keys[-1] == "customer"
    sal = response.json()["items"][3]
    assert sal["entry_criteria"] == [{"name": "Has an owner", "rule": "owner != null"}]
    assert (sal["team"], sal["max_dwell_days"], sal["is_won"]) == ("sales", 3, False)


def test_stage_by_key(api):
    assert api.get("/stages/customer").json()["is_won"] is True
    missing = api.get("/stages/nowhere")
    assert (missing.status_code, error_of(missing)["code"]) == (404, "not_found")


def test_reasons_by_kind(api):
    lost = api.get("/reasons", {"kind": "lost"}).json()["items"]

    assert lost[0] == {"kind": "lost", "key": "price", "label": "Price too high", "position": 0}
    assert {r["kind"] for r in lost} == {"lost"}
    everything = api.get("/reasons").json()["items"]
    assert {r["kind"] for r in everything} == {"lost", "rejected", "recycled", "disqualified"}
    assert error_of(api.get("/reasons", {"kind": "other"}))["field"] == "kind"


def test_glossary_with_versions_and_approvals(api, admin_user):
    version = services.propose_term_version(
        term_key="touch", name="Touch", definition="Any interaction.", actor=admin_user
    )
    services.approve_term_version(version=version, actor=admin_user)

    response = api.get("/glossary")

    assert response.status_code == 200
    term = next(t for t in response.json()["items"] if t["key"] == "touch")
    latest = term["versions"][0]
    assert (latest["definition"], latest["proposed_by"]) == ("Any interaction.", "admin")
    assert [a["approver"] for a in latest["approvals"]] == ["admin"]
    assert [v["version"] for v in term["versions"]] == sorted(
        (v["version"] for v in term["versions"]), reverse=True
    )
