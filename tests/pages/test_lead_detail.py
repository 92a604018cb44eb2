import re

from django.utils.html import escape

from truce.funnel import services as funnel_services
from truce.touches import services as touch_services


def _timeline(html: str) -> list[str]:
    block = html[html.index('<ol class="timeline">') :]
    return re.findall(r"</time> <span>([^<]+)</span>", block)


def test_lead_page_shows_the_lead_its_stage_and_timeline(rep_client, acme_lead, stage):
    response = rep_client.get(f"/leads/{acme_lead.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<h1>Ada Lovelace <span class="muted">· Acme Corp</span></h1>' in html
    assert "<dt>Owner</dt><dd>Rita Rep</dd>" in html
    assert "<dt>Outcome</dt><dd>Open</dd>" in html
    assert "<dt>Score</dt><dd>55</dd>" in html
    assert '<a href="mailto:ada@acme.example">ada@acme.example</a>' in html
    assert "Acme Corp (acme.example)<br>250 employees" in html
    # the definition of the stage the lead is in
    assert '<h2 id="stage-title">The Marketing qualified (MQL) stage</h2>' in html
    assert "A lead that meets the signed sales-ready definition" in html
    for criterion in stage("mql").entry_criteria:
        assert (
            f"<li>{escape(criterion['name'])} <code>{escape(criterion['rule'])}</code></li>" in html
        )
    assert "<p>7 days</p>" in html
    assert '<li>Buyer&#x27;s guide <span class="muted">(white_paper)</span></li>' in html
    assert _timeline(html) == [
        "admin created the lead in Marketing qualified (MQL) from source webinar",
        "admin assigned the lead to Rita Rep",
    ]


def test_timeline_reads_every_kind_of_event(rep_client, acme_lead, rep, stage, admin_user):
    funnel_services.update_lead(lead=acme_lead, actor=rep, changes={"amount": "1200"})
    touch_services.record_touch(lead=acme_lead, kind="call", channel="phone", actor=rep)
    funnel_services.move_lead(lead=acme_lead, stage=stage("sal"), actor=rep)
    funnel_services.set_outcome(lead=acme_lead, outcome="lost", reason="price", actor=rep)
    funnel_services.reopen_lead(lead=acme_lead, actor=admin_user)
    funnel_services.set_outcome(lead=acme_lead, outcome="won", amount="1500", actor=rep)
    html = rep_client.get(f"/leads/{acme_lead.pk}/").content.decode()
    assert _timeline(html)[2:] == [
        "Rita Rep changed amount from — to 1200.00",
        "Rita Rep recorded a touch: Call via phone",
        "Rita Rep moved the lead from Marketing qualified (MQL) to Sales accepted (SAL)",
        "Rita Rep marked the lead lost: Price too high",
        "admin reopened the lead (was lost); it is in Sales accepted (SAL)",
        "Rita Rep marked the lead won, amount 1500.00",
    ]


def test_touch_facts_are_shown(rep_client, acme_lead, rep):
    touch_services.record_touch(lead=acme_lead, kind="email_open", actor=rep)
    touch_services.record_touch(lead=acme_lead, kind="demo", actor=rep)
    html = rep_client.get(f"/leads/{acme_lead.pk}/").content.decode()
    assert '<dt>Touches</dt><dd>2 <span class="muted">(1 by sales)</span></dd>' in html


def test_forms_are_labelled_and_reason_lists_match_the_outcome(rep_client, acme_lead):
    html = rep_client.get(f"/leads/{acme_lead.pk}/").content.decode()
    for field in [
        "id_move_stage",
        "id_won_amount",
        "id_lost_reason",
        "id_recycled_reason",
        "id_disqualified_reason",
        "id_touch_kind",
        "id_touch_channel",
        "id_touch_occurred_at",
        "id_touch_collateral",
        "id_touch_note",
    ]:
        assert f'<label for="{field}">' in html
        assert f'id="{field}"' in html
    recycled = html[html.index('id="id_recycled_reason"') :]
    recycled = recycled[: recycled.index("</select>")]
    assert re.findall(r'<option value="([^"]*)"', recycled) == [
        "",
        "not_ready",
        "no_response",
        "future_budget",
    ]
    move = html[html.index('id="id_move_stage"') :]
    move = move[: move.index("</select>")]
    # every active stage but the current one; customer is reached by winning
    assert re.findall(r'<option value="([^"]*)"', move) == [
        "subscriber",
        "lead",
        "sal",
        "prospecting",
        "connecting",
        "researching",
        "presenting",
        "closing",
    ]


def test_closed_lead_offers_reopen_instead_of_moves(rep_client, acme_lead, close_lead):
    close_lead(acme_lead)
    html = rep_client.get(f"/leads/{acme_lead.pk}/").content.decode()
    assert "<dt>Outcome</dt><dd>Lost — Price too high" in html
    assert '<button type="submit" id="reopen-button">Reopen</button>' in html
    assert 'id="id_move_stage"' not in html


def test_htmx_request_gets_only_the_lead_fragment(rep_client, acme_lead):
    html = rep_client.get(f"/leads/{acme_lead.pk}/", headers={"HX-Request": "true"})
    body = html.content.decode()
    assert body.lstrip().startswith('<div id="lead-body">')
    assert "<html" not in body


def test_unknown_lead_is_404(rep_client, db):
    assert rep_client.get("/leads/999999/").status_code == 404


def test_viewer_can_read_the_lead_page(viewer_client, acme_lead):
    assert viewer_client.get(f"/leads/{acme_lead.pk}/").status_code == 200


def test_move_control_is_preset_to_the_next_stage(rep_client, acme_lead):
    html = rep_client.get(f"/leads/{acme_lead.pk}/").content.decode()
    move = html[html.index('id="id_move_stage"') :]
    assert '<option value="sal" selected>' in move[: move.index("</select>")]
