import re

import pytest

from truce.funnel import services as funnel_services
from truce.ledger.selectors import lead_timeline


def _column(html: str, key: str) -> str:
    start = html.index(f'aria-labelledby="col-{key}"')
    return html[start:].split('<li class="column"', 1)[0]


def _count(html: str, key: str) -> int:
    block = _column(html, key)
    return int(re.search(r'<span class="count" title="open leads">(\d+)</span>', block)[1])


def _cards(html: str, key: str) -> list[str]:
    return re.findall(r'<a href="/leads/\d+/">([^<]+)</a>', _column(html, key))


@pytest.fixture
def board_leads(make_lead, make_contact, rep, close_lead):
    ada = make_lead("mql", contact=make_contact(first_name="Ada", last_name="A"), owner=rep)
    bea = make_lead("mql", contact=make_contact(first_name="Bea", last_name="B"), owner=rep)
    cal = make_lead("sal", contact=make_contact(first_name="Cal", last_name="C"), owner=rep)
    dan = make_lead("sal", contact=make_contact(first_name="Dan", last_name="D"), owner=rep)
    close_lead(dan)  # a lost lead is not on the board
    return {"ada": ada, "bea": bea, "cal": cal, "dan": dan}


def test_board_has_a_column_per_active_stage_in_order(rep_client, board_leads):
    html = rep_client.get("/board/").content.decode()
    keys = re.findall(r'<h2 id="col-([a-z_]+)">', html)
    assert keys == [
        "subscriber",
        "lead",
        "mql",
        "sal",
        "prospecting",
        "connecting",
        "researching",
        "presenting",
        "closing",
        "customer",
    ]
    assert (_count(html, "mql"), _count(html, "sal"), _count(html, "lead")) == (2, 1, 0)
    assert _cards(html, "mql") == ["Bea B", "Ada A"]  # newest first
    assert _cards(html, "sal") == ["Cal C"]
    assert "No open leads." in _column(html, "lead")


def test_board_shows_only_the_newest_cards_with_a_link_to_the_rest(rep_client, make_lead):
    for _ in range(10):
        make_lead("subscriber")
    html = rep_client.get("/board/").content.decode()
    assert _count(html, "subscriber") == 10
    assert len(_cards(html, "subscriber")) == 8
    assert '<a href="/?stage=subscriber&amp;outcome=open">All 10 in Subscriber</a>' in html


def test_each_card_has_a_labelled_move_control_preset_to_the_next_stage(rep_client, board_leads):
    html = rep_client.get("/board/").content.decode()
    pk = board_leads["ada"].pk
    assert f'<label for="move-{pk}">Move to</label>' in html
    control = html[html.index(f'id="move-{pk}"') :]
    control = control[: control.index("</select>")]
    assert '<option value="sal" selected>' in control
    assert 'value="mql"' not in control and 'value="customer"' not in control


def test_move_on_the_board_uses_the_move_service(rep_client, board_leads, refresh):
    lead = board_leads["ada"]
    response = rep_client.post(f"/board/leads/{lead.pk}/move/", {"stage": "sal"})
    assert response.status_code == 302
    assert response["Location"] == "/board/"
    assert refresh(lead).stage.key == "sal"
    assert [e.kind for e in lead_timeline(lead_id=lead.pk)][-1] == "lead.stage_changed"
    html = rep_client.get("/board/").content.decode()
    assert (_count(html, "mql"), _count(html, "sal")) == (1, 2)
    assert _cards(html, "sal") == ["Ada A", "Cal C"]
    assert '<p class="notice">Moved Ada A to Sales accepted (SAL).</p>' in html


def test_htmx_move_swaps_the_board(rep_client, board_leads):
    lead = board_leads["bea"]
    response = rep_client.post(
        f"/board/leads/{lead.pk}/move/", {"stage": "sal"}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="board">')
    assert "<html" not in html
    assert _cards(html, "sal") == ["Bea B", "Cal C"]


def test_refused_move_on_the_board_shows_the_message_on_the_card(rep_client, board_leads, refresh):
    lead = board_leads["cal"]
    events = list(lead_timeline(lead_id=lead.pk))
    response = rep_client.post(
        f"/board/leads/{lead.pk}/move/", {"stage": "connecting"}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert response.status_code == 409
    card = html[html.index(f'id="card-{lead.pk}"') :]
    assert card.index("Cannot enter Connecting: entry criterion") < card.index("</li>")
    assert refresh(lead).stage.key == "sal"
    assert list(lead_timeline(lead_id=lead.pk)) == events


def test_viewer_cannot_move_on_the_board(viewer_client, board_leads, refresh):
    lead = board_leads["ada"]
    response = viewer_client.post(f"/board/leads/{lead.pk}/move/", {"stage": "sal"})
    assert response.status_code == 403
    assert "The viewer role may not write records." in response.content.decode()
    assert refresh(lead).stage.key == "mql"


def test_board_fragment_for_htmx(rep_client, board_leads):
    html = rep_client.get("/board/", headers={"HX-Request": "true"}).content.decode()
    assert html.lstrip().startswith('<div id="board">')


def test_won_leads_sit_in_the_customer_column_without_a_move_control(
    rep_client, board_leads, admin_user
):
    lead = funnel_services.set_outcome(
        lead=board_leads["cal"], outcome="won", amount="100", actor=admin_user
    )
    html = rep_client.get("/board/").content.decode()
    assert _count(html, "customer") == 1
    assert _cards(html, "customer") == ["Cal C"]
    assert f'id="move-{lead.pk}"' not in html
