"""Each form on the lead page calls its service; a refusal is shown and nothing changes."""

from decimal import Decimal

import pytest

from truce.ledger.selectors import lead_timeline
from truce.touches import services as touch_services


def _events(lead) -> list[str]:
    return [e.kind for e in lead_timeline(lead_id=lead.pk)]


def _snapshot(lead, refresh):
    lead = refresh(lead)
    return (lead.stage.key, lead.outcome, lead.outcome_reason_id, lead.amount, lead.touch_count)


def _error(html: str) -> str:
    start = html.index('<p class="error" role="alert"')
    return html[html.index(">", start) + 1 : html.index("</p>", start)]


# Move


def test_move_redirects_and_the_event_is_on_the_timeline(rep_client, acme_lead, refresh):
    response = rep_client.post(f"/leads/{acme_lead.pk}/move/", {"stage": "sal"})
    assert response.status_code == 302
    assert response["Location"] == f"/leads/{acme_lead.pk}/"
    assert refresh(acme_lead).stage.key == "sal"
    assert _events(acme_lead)[-1] == "lead.stage_changed"
    html = rep_client.get(response["Location"]).content.decode()
    assert '<p class="notice">The lead moved.</p>' in html
    assert "Rita Rep moved the lead from Marketing qualified (MQL) to Sales accepted (SAL)" in html


def test_move_by_htmx_returns_the_updated_fragment(rep_client, acme_lead, refresh):
    response = rep_client.post(
        f"/leads/{acme_lead.pk}/move/", {"stage": "sal"}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="lead-body">')
    assert '<span class="badge stage">Sales accepted (SAL)</span>' in html
    assert "moved the lead from Marketing qualified (MQL) to Sales accepted (SAL)" in html


def test_move_refused_by_an_entry_criterion_says_which(rep_client, acme_lead, refresh):
    before, events = _snapshot(acme_lead, refresh), _events(acme_lead)
    response = rep_client.post(f"/leads/{acme_lead.pk}/move/", {"stage": "connecting"})
    html = response.content.decode()
    assert response.status_code == 409
    assert _error(html) == (
        "Cannot enter Connecting: entry criterion &#x27;Sales has touched the lead&#x27; "
        "(sales_touches &gt;= 1) failed: it evaluated to false."
    )
    assert _snapshot(acme_lead, refresh) == before
    assert _events(acme_lead) == events
    # the form keeps the choice so the user can see what was refused
    assert '<option value="connecting" selected>' in html


def test_move_refusal_by_htmx_is_the_fragment_with_the_message(rep_client, acme_lead):
    response = rep_client.post(
        f"/leads/{acme_lead.pk}/move/", {"stage": "connecting"}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert response.status_code == 409
    assert html.lstrip().startswith('<div id="lead-body">')
    assert "entry criterion &#x27;Sales has touched the lead&#x27;" in html


def test_move_after_a_sales_touch_passes_the_criterion(rep_client, acme_lead, rep, stage, refresh):
    rep_client.post(f"/leads/{acme_lead.pk}/move/", {"stage": "sal"})
    touch_services.record_touch(lead=acme_lead, kind="call", actor=rep)
    response = rep_client.post(f"/leads/{acme_lead.pk}/move/", {"stage": "connecting"})
    assert response.status_code == 302
    assert refresh(acme_lead).stage.key == "connecting"


@pytest.mark.parametrize(
    ("stage_key", "status", "message"),
    [
        ("mql", 409, "The lead is already in Marketing qualified (MQL)."),
        ("customer", 409, "A lead enters Customer by being won: set the outcome to won."),
        ("nowhere", 404, "No stage with key &#x27;nowhere&#x27;."),
    ],
)
def test_move_refusals(rep_client, acme_lead, refresh, stage_key, status, message):
    before, events = _snapshot(acme_lead, refresh), _events(acme_lead)
    response = rep_client.post(f"/leads/{acme_lead.pk}/move/", {"stage": stage_key})
    assert response.status_code == status
    assert _error(response.content.decode()) == message
    assert _snapshot(acme_lead, refresh) == before
    assert _events(acme_lead) == events


def test_move_of_a_closed_lead_is_refused(rep_client, acme_lead, close_lead, refresh):
    close_lead(acme_lead)
    before = _snapshot(acme_lead, refresh)
    response = rep_client.post(f"/leads/{acme_lead.pk}/move/", {"stage": "sal"})
    assert response.status_code == 409
    assert _error(response.content.decode()) == "The lead is lost; reopen it before moving it."
    assert _snapshot(acme_lead, refresh) == before


# Outcome


def test_won_with_an_amount(rep_client, acme_lead, refresh):
    response = rep_client.post(
        f"/leads/{acme_lead.pk}/outcome/", {"outcome": "won", "amount": "12000.5"}
    )
    assert response.status_code == 302
    lead = refresh(acme_lead)
    assert (lead.outcome, lead.amount, lead.stage.key) == ("won", Decimal("12000.50"), "customer")
    html = rep_client.get(f"/leads/{acme_lead.pk}/").content.decode()
    assert "Rita Rep marked the lead won, amount 12000.50" in html


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("", "A won lead needs an amount greater than zero."),
        ("abc", "&#x27;abc&#x27; is not a number."),
        ("-5", "Amount must be between 0 and 999,999,999,999.99."),
    ],
)
def test_won_refusals(rep_client, acme_lead, refresh, amount, message):
    before, events = _snapshot(acme_lead, refresh), _events(acme_lead)
    response = rep_client.post(
        f"/leads/{acme_lead.pk}/outcome/", {"outcome": "won", "amount": amount}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert _error(html) == message
    assert html.index(message) > html.index('id="id_won_amount"')  # beside its own form
    assert _snapshot(acme_lead, refresh) == before
    assert _events(acme_lead) == events


@pytest.mark.parametrize(
    ("outcome", "reason", "label"),
    [
        ("lost", "competitor", "Chose a competitor"),
        ("recycled", "not_ready", "Not ready to buy yet"),
        ("disqualified", "too_small", "Too small"),
    ],
)
def test_close_with_a_reason(rep_client, acme_lead, refresh, outcome, reason, label):
    response = rep_client.post(
        f"/leads/{acme_lead.pk}/outcome/", {"outcome": outcome, "reason": reason}
    )
    assert response.status_code == 302
    lead = refresh(acme_lead)
    assert (lead.outcome, lead.outcome_reason.key) == (outcome, reason)
    html = rep_client.get(f"/leads/{acme_lead.pk}/").content.decode()
    assert f"Rita Rep marked the lead {outcome}: {label}" in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"outcome": "lost"}, "A lost outcome needs a reason from the lost list."),
        (
            {"outcome": "recycled", "reason": "price"},
            "&#x27;price&#x27; is not in the recycled reason list.",
        ),
        (
            {"outcome": "open"},
            "&#x27;open&#x27; is not an outcome; use won, lost, recycled or disqualified "
            "(reopen a lead to make it open).",
        ),
    ],
)
def test_close_refusals(rep_client, acme_lead, refresh, data, message):
    before, events = _snapshot(acme_lead, refresh), _events(acme_lead)
    response = rep_client.post(f"/leads/{acme_lead.pk}/outcome/", data)
    assert response.status_code in (400, 409)
    assert _error(response.content.decode()) == message
    assert _snapshot(acme_lead, refresh) == before
    assert _events(acme_lead) == events


def test_closing_a_closed_lead_is_refused(rep_client, acme_lead, close_lead, refresh):
    close_lead(acme_lead)
    before = _snapshot(acme_lead, refresh)
    response = rep_client.post(
        f"/leads/{acme_lead.pk}/outcome/", {"outcome": "recycled", "reason": "not_ready"}
    )
    assert response.status_code == 409
    assert _error(response.content.decode()) == "The lead is already lost; reopen it first."
    assert _snapshot(acme_lead, refresh) == before


# Reopen


def test_reopen(rep_client, acme_lead, close_lead, refresh):
    close_lead(acme_lead)
    response = rep_client.post(f"/leads/{acme_lead.pk}/reopen/")
    assert response.status_code == 302
    lead = refresh(acme_lead)
    assert (lead.outcome, lead.outcome_reason, lead.stage.key) == ("open", None, "mql")


def test_reopen_a_won_lead_goes_back_to_its_stage(rep_client, acme_lead, refresh):
    rep_client.post(f"/leads/{acme_lead.pk}/outcome/", {"outcome": "won", "amount": "10"})
    rep_client.post(f"/leads/{acme_lead.pk}/reopen/")
    assert (refresh(acme_lead).outcome, acme_lead.stage.key) == ("open", "mql")


def test_reopen_an_open_lead_is_refused(rep_client, acme_lead, refresh):
    before, events = _snapshot(acme_lead, refresh), _events(acme_lead)
    response = rep_client.post(f"/leads/{acme_lead.pk}/reopen/")
    assert response.status_code == 409
    assert _error(response.content.decode()) == "The lead is already open."
    assert _snapshot(acme_lead, refresh) == before
    assert _events(acme_lead) == events


def test_actions_need_post(rep_client, acme_lead):
    assert rep_client.get(f"/leads/{acme_lead.pk}/move/").status_code == 405


# Touch


def test_record_a_touch(rep_client, acme_lead, refresh):
    response = rep_client.post(
        f"/leads/{acme_lead.pk}/touches/",
        {"kind": "meeting", "channel": "zoom", "occurred_at": "2026-01-05T10:30", "note": "Intro"},
    )
    assert response.status_code == 302
    lead = refresh(acme_lead)
    assert (lead.touch_count, lead.sales_touch_count) == (1, 1)
    assert lead.first_sales_touch_at.isoformat() == "2026-01-05T10:30:00+00:00"
    html = rep_client.get(f"/leads/{acme_lead.pk}/").content.decode()
    assert "Rita Rep recorded a touch: Meeting via zoom" in html
    assert '<p class="notice">The touch is recorded.</p>' in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"kind": "telepathy"},
            "Kind: Select a valid choice. telepathy is not one of the available choices.",
        ),
        ({"kind": "call", "occurred_at": "soon"}, "When: Enter a valid date/time."),
        (
            {"kind": "call", "occurred_at": "2999-01-01T10:00"},
            "A touch cannot happen in the future.",
        ),
    ],
)
def test_touch_refusals(rep_client, acme_lead, refresh, data, message):
    before, events = _snapshot(acme_lead, refresh), _events(acme_lead)
    response = rep_client.post(f"/leads/{acme_lead.pk}/touches/", data)
    assert response.status_code == 400
    assert _error(response.content.decode()) == message
    assert _snapshot(acme_lead, refresh) == before
    assert _events(acme_lead) == events


# A viewer reads but cannot write


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("move", {"stage": "sal"}),
        ("outcome", {"outcome": "lost", "reason": "price"}),
        ("outcome", {"outcome": "won", "amount": "10"}),
        ("touches", {"kind": "call"}),
    ],
)
def test_viewer_is_refused_with_403(viewer_client, acme_lead, refresh, action, data):
    before, events = _snapshot(acme_lead, refresh), _events(acme_lead)
    response = viewer_client.post(f"/leads/{acme_lead.pk}/{action}/", data)
    assert response.status_code == 403
    assert _error(response.content.decode()) == "The viewer role may not write records."
    assert _snapshot(acme_lead, refresh) == before
    assert _events(acme_lead) == events


def test_viewer_cannot_reopen(viewer_client, acme_lead, close_lead, refresh):
    close_lead(acme_lead)
    before = _snapshot(acme_lead, refresh)
    response = viewer_client.post(f"/leads/{acme_lead.pk}/reopen/")
    assert response.status_code == 403
    assert _error(response.content.decode()) == "The viewer role may not write records."
    assert _snapshot(acme_lead, refresh) == before
