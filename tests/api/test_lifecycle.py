"""The lead lifecycle actions: move, outcome, reopen; and the lead's timeline."""

from truce.funnel import services
from truce.funnel.models import Lead

from .conftest import error_of


def test_move(api, make_lead, rep, event_count):
    lead = make_lead(owner=rep)
    before = event_count()

    response = api.post(f"/leads/{lead.pk}/move", {"stage": "mql"})

    assert response.status_code == 200
    assert response.json()["stage"] == "mql"
    assert Lead.objects.get().stage.key == "mql"
    assert event_count() == before + 1


def test_move_failing_an_entry_criterion_names_it(api, make_lead, event_count):
    lead = make_lead()
    before = event_count()

    response = api.post(f"/leads/{lead.pk}/move", {"stage": "sal"})

    assert response.status_code == 409
    body = error_of(response)
    assert (body["code"], body["field"]) == ("entry_criterion_failed", "stage")
    assert "'Has an owner'" in body["message"]
    assert Lead.objects.get().stage.key == "lead"
    assert event_count() == before


def test_move_to_unknown_stage_is_404(api, make_lead, event_count):
    lead = make_lead()
    before = event_count()

    response = api.post(f"/leads/{lead.pk}/move", {"stage": "nowhere"})

    assert response.status_code == 404
    assert (error_of(response)["code"], error_of(response)["field"]) == ("not_found", "stage")
    assert event_count() == before


def test_move_a_closed_lead_is_409(api, make_lead, admin_user, event_count):
    lead = make_lead()
    services.set_outcome(lead=lead, outcome="lost", reason="price", actor=admin_user)
    before = event_count()

    response = api.post(f"/leads/{lead.pk}/move", {"stage": "mql"})

    assert response.status_code == 409
    assert error_of(response)["code"] == "lead_closed"
    assert event_count() == before


def test_move_unknown_lead_is_404(api):
    response = api.post("/leads/999/move", {"stage": "mql"})

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_outcome_lost_with_reason(api, make_lead, event_count):
    lead = make_lead()
    before = event_count()

    response = api.post(f"/leads/{lead.pk}/outcome", {"outcome": "lost", "reason": "price"})

    assert response.status_code == 200
    body = response.json()
    assert (body["outcome"], body["outcome_reason"]) == ("lost", "price")
    assert body["outcome_at"] is not None
    assert event_count() == before + 1


def test_outcome_without_reason_is_refused(api, make_lead, event_count):
    lead = make_lead()
    before = event_count()

    response = api.post(f"/leads/{lead.pk}/outcome", {"outcome": "disqualified"})

    assert response.status_code == 400
    body = error_of(response)
    assert (body["code"], body["field"]) == ("reason_required", "reason")
    assert Lead.objects.get().outcome == "open"
    assert event_count() == before


def test_outcome_with_reason_from_another_list_is_refused(api, make_lead):
    lead = make_lead()

    response = api.post(f"/leads/{lead.pk}/outcome", {"outcome": "lost", "reason": "spam"})

    assert response.status_code == 400
    assert error_of(response)["code"] == "reason_required"
    assert Lead.objects.get().outcome == "open"


def test_won_without_amount_is_refused(api, make_lead, event_count):
    lead = make_lead()
    before = event_count()

    response = api.post(f"/leads/{lead.pk}/outcome", {"outcome": "won"})

    assert response.status_code == 400
    body = error_of(response)
    assert (body["code"], body["field"]) == ("amount_required", "amount")
    assert Lead.objects.get().outcome == "open"
    assert event_count() == before


def test_won_with_amount_enters_the_customer_stage(api, make_lead):
    lead = make_lead()

    response = api.post(f"/leads/{lead.pk}/outcome", {"outcome": "won", "amount": "5000"})

    assert response.status_code == 200
    body = response.json()
    assert (body["outcome"], body["stage"], body["amount"]) == ("won", "customer", "5000.00")


def test_outcome_open_is_not_an_outcome(api, make_lead):
    lead = make_lead()

    response = api.post(f"/leads/{lead.pk}/outcome", {"outcome": "open"})

    assert response.status_code == 422
    assert error_of(response)["field"] == "outcome"


def test_outcome_twice_is_409(api, make_lead, event_count):
    lead = make_lead()
    api.post(f"/leads/{lead.pk}/outcome", {"outcome": "lost", "reason": "price"})
    before = event_count()

    response = api.post(f"/leads/{lead.pk}/outcome", {"outcome": "recycled", "reason": "not_ready"})

    assert response.status_code == 409
    assert error_of(response)["code"] == "lead_closed"
    assert Lead.objects.get().outcome == "lost"
    assert event_count() == before


def test_reopen(api, make_lead):
    lead = make_lead()
    api.post(f"/leads/{lead.pk}/outcome", {"outcome": "won", "amount": "10"})

    response = api.post(f"/leads/{lead.pk}/reopen")

    assert response.status_code == 200
    body = response.json()
    assert (body["outcome"], body["stage"], body["outcome_at"]) == ("open", "lead", None)


def test_reopen_an_open_lead_is_409(api, make_lead, event_count):
    lead = make_lead()
    before = event_count()

    response = api.post(f"/leads/{lead.pk}/reopen")

    assert response.status_code == 409
    body = error_of(response)
    assert (body["code"], body["field"]) == ("lead_not_closed", "outcome")
    assert event_count() == before


def test_viewer_cannot_act_on_a_lead(viewer, client_for, make_lead, event_count):
    lead = make_lead()
    client = client_for(viewer)
    before = event_count()

    responses = [
        client.post(f"/leads/{lead.pk}/move", {"stage": "mql"}),
        client.post(f"/leads/{lead.pk}/outcome", {"outcome": "lost", "reason": "price"}),
        client.post(f"/leads/{lead.pk}/reopen"),
    ]

    assert [r.status_code for r in responses] == [403, 403, 403]
    assert {error_of(r)["code"] for r in responses} == {"permission_denied"}
    lead.refresh_from_db()
    assert (lead.stage.key, lead.outcome) == ("lead", "open")
    assert event_count() == before


def test_timeline_lists_the_lead_events_in_order(api, make_lead, rep):
    # given a lead created by the admin, moved, then lost
    lead = make_lead(owner=rep)
    make_lead()  # another lead's events stay out
    api.post(f"/leads/{lead.pk}/move", {"stage": "mql"})
    api.post(f"/leads/{lead.pk}/outcome", {"outcome": "lost", "reason": "price"})
    # when
    response = api.get(f"/leads/{lead.pk}/timeline")
    # then
    assert response.status_code == 200
    items = response.json()["items"]
    assert [e["kind"] for e in items] == [
        "lead.created",
        "lead.assigned",
        "lead.stage_changed",
        "lead.outcome_set",
    ]
    seqs = [e["seq"] for e in items]
    assert seqs == sorted(seqs)
    assert {e["actor"] for e in items} == {"admin"}
    assert items[2]["payload"] == {"from": "lead", "to": "mql"}
    assert set(items[0]) == {"seq", "kind", "occurred_at", "actor", "payload"}


def test_timeline_of_unknown_lead_is_404(api):
    response = api.get("/leads/999/timeline")

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"
