"""The playbook pages through Django's test client: what they show, what they save, who may."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.conftest import PASSWORD
from truce.identity.models import Role
from truce.playbooks.models import PlaybookVersion, Review


@pytest.fixture
def signed_in():
    def make(user) -> Client:
        client = Client()
        assert client.login(username=user.username, password=PASSWORD)
        return client

    return make


def _edit_post(playbook, **overrides):
    data = {
        "title": playbook.title,
        "purpose": playbook.purpose,
        "owner": playbook.owner_id or "",
        "review_cadence_days": playbook.review_cadence_days,
        "collateral": "",
        "body": "",
        "change_note": "Sharper why.",
        "base_version": playbook.current.number,
        "steps-TOTAL_FORMS": "3",
        "steps-INITIAL_FORMS": "2",
        "steps-0-who": "Sales rep",
        "steps-0-what": "Call the lead.",
        "steps-0-why": "Speed wins deals.",
        "steps-1-who": "Sales rep",
        "steps-1-what": "Log the call.",
        "steps-1-why": "The scoreboard reads touches.",
        "steps-2-who": "",
        "steps-2-what": "",
        "steps-2-why": "",
    }
    return {**data, **overrides}


def test_the_list_searches_and_its_query_count_is_pinned(
    make_playbook, mona, signed_in, django_assert_num_queries
):
    for n in range(5):
        make_playbook(f"play-{n}", title=f"Play {n}", stages=["sal", "mql"])
    client = signed_in(mona)
    client.get("/playbooks/")  # warm the session

    # session, user, the playbooks, their stages (prefetch), the due count
    with django_assert_num_queries(5):
        response = client.get("/playbooks/")
    assert response.status_code == 200
    assert response.content.decode().count('href="/playbooks/play-') == 5

    found = client.get("/playbooks/", {"q": "play 3"}).content.decode()
    assert 'href="/playbooks/play-3/"' in found and 'href="/playbooks/play-1/"' not in found
    partial = client.get("/playbooks/", {"q": "nothing"}, headers={"HX-Request": "true"})
    assert partial.content.decode().lstrip().startswith('<div id="playbook-results">')


def test_the_detail_page_renders_sanitised_markdown(make_playbook, mona, signed_in):
    make_playbook(body="## Notes\n\n<script>alert(1)</script><img src=x onerror=alert(2)>")
    html = signed_in(mona).get("/playbooks/first-call/").content.decode()
    assert "<h2>Notes</h2>" in html
    assert "alert(1)" not in html and "onerror" not in html
    assert "Speed wins deals." in html


def test_editing_saves_a_new_version_and_the_history_shows_the_diff(make_playbook, mona, signed_in):
    playbook = make_playbook()
    client = signed_in(mona)

    response = client.post("/playbooks/first-call/edit/", _edit_post(playbook))

    assert response.status_code == 302
    assert response["Location"] == "/playbooks/first-call/history/"
    version = PlaybookVersion.objects.get(number=2)
    assert list(version.steps.values_list("why", flat=True)) == [
        "Speed wins deals.",
        "The scoreboard reads touches.",
    ]
    html = client.get(response["Location"]).content.decode()
    assert '<del><span class="sign" aria-hidden="true">− </span>   Why: The SLA reads' in html
    assert '<ins><span class="sign" aria-hidden="true">+ </span>   Why: The scoreboard' in html


def test_a_step_without_why_is_shown_beside_the_step(make_playbook, mona, signed_in):
    playbook = make_playbook()
    post = _edit_post(playbook, **{"steps-2-who": "Rep", "steps-2-what": "Send a deck."})

    response = signed_in(mona).post("/playbooks/first-call/edit/", post)

    assert response.status_code == 400
    assert "Step 3 (&quot;Send a deck.&quot;) does not say why." in response.content.decode()
    assert PlaybookVersion.objects.count() == 1


def test_a_rep_reads_but_may_not_edit_or_review(make_playbook, make_user, signed_in):
    make_playbook()
    client = signed_in(make_user(Role.SALES_REP))
    assert client.get("/playbooks/first-call/").status_code == 200
    assert client.get("/playbooks/first-call/edit/").status_code == 403
    assert client.post("/playbooks/first-call/review/", {}).status_code == 403
    assert client.get("/playbooks/new/").status_code == 403


def test_creating_a_playbook_from_the_page(mona, signed_in):
    data = {
        "key": "greeting",
        "title": "Greeting",
        "purpose": "Say hello.",
        "owner": mona.pk,
        "review_cadence_days": "30",
        "stages": ["customer"],
        "collateral": "Welcome pack | https://example.com/welcome\nScript",
        "body": "",
        "steps-TOTAL_FORMS": "1",
        "steps-INITIAL_FORMS": "0",
        "steps-0-who": "CSM",
        "steps-0-what": "Call.",
        "steps-0-why": "Warmth.",
    }
    response = signed_in(mona).post("/playbooks/new/", data)
    assert response.status_code == 302, response.content.decode()
    version = PlaybookVersion.objects.get()
    assert version.links["collateral"] == [
        {"title": "Welcome pack", "url": "https://example.com/welcome"},
        {"title": "Script", "url": ""},
    ]
    assert version.links["stages"] == ["customer"]


def test_recording_a_review_from_the_page(make_playbook, mona, signed_in):
    playbook = make_playbook(review_cadence_days=10)
    today = timezone.localdate()
    data = {
        "reviewed_on": today.isoformat(),
        "attendees": [mona.pk],
        "what_changed": "Nothing.",
        "what_removed": "",
    }
    response = signed_in(mona).post("/playbooks/first-call/review/", data)
    assert response.status_code == 302
    playbook.refresh_from_db()
    assert playbook.next_review_due == today + timedelta(days=10)
    empty = signed_in(mona).post("/playbooks/first-call/review/", {**data, "attendees": []})
    assert empty.status_code == 400
    assert Review.objects.count() == 1


def test_the_due_page_lists_overdue_playbooks(make_playbook, mona, signed_in):
    today = timezone.localdate()
    make_playbook("late", title="Late one", next_review_due=today - timedelta(days=4))
    make_playbook("fine", title="Fine one", next_review_due=today + timedelta(days=4))
    html = signed_in(mona).get("/playbooks/due/").content.decode()
    assert "Late one" in html and "Fine one" not in html
    assert '<td class="num">4</td>' in html


def test_the_lead_page_shows_the_playbook_for_its_stage(make_playbook, acme_lead, mona, signed_in):
    make_playbook("mql-play", title="Working an MQL", stages=["mql"])
    make_playbook("sal-play", title="Working a SAL", stages=["sal"])
    html = signed_in(mona).get(f"/leads/{acme_lead.pk}/").content.decode()
    assert "Playbook for this stage" in html
    assert "Working an MQL" in html and "Working a SAL" not in html


def test_a_save_over_someone_elses_is_refused_on_top_of_the_form(make_playbook, mona, signed_in):
    from truce.playbooks import services

    playbook = make_playbook()
    post = _edit_post(playbook)  # the form as opened at version 1
    services.edit_playbook(
        playbook=playbook, actor=mona, change_note="Meanwhile.", changes={"title": "Other"}
    )

    response = signed_in(mona).post("/playbooks/first-call/edit/", post)

    assert response.status_code == 400
    html = response.content.decode()
    assert '<div class="error" role="alert">This playbook was saved as version 2 while' in html
    assert PlaybookVersion.objects.count() == 2


def test_the_guidance_card_alone_for_a_lead(make_playbook, acme_lead, mona, signed_in):
    make_playbook("mql-play", title="Working an MQL", stages=["mql"])
    html = signed_in(mona).get(f"/playbooks/for-lead/{acme_lead.pk}/").content.decode()
    assert f'hx-get="/playbooks/for-lead/{acme_lead.pk}/"' in html  # it reloads itself
    assert "Working an MQL" in html
    assert signed_in(mona).get("/playbooks/for-lead/999999/").status_code == 404
