"""The playbook API: the same services as the pages, errors in the one shape."""

import json

import pytest
from django.test import Client

from truce.identity import services as identity_services
from truce.identity.models import Role
from truce.playbooks.models import PlaybookVersion, Review

from .conftest import STEPS


class Api:
    def __init__(self, token: str):
        self.client = Client(headers={"Authorization": f"Bearer {token}"})

    def get(self, path: str, params=None):
        return self.client.get("/api/v1" + path, params or {})

    def post(self, path: str, body, **headers):
        return self.client.post(
            "/api/v1" + path, json.dumps(body), content_type="application/json", headers=headers
        )


@pytest.fixture
def api_for():
    return lambda user: Api(identity_services.create_api_token(user=user, name="tests")[1])


def _error(response):
    body = response.json()
    assert body["errors"][0] == {k: body[k] for k in ("code", "field", "message")}
    return response.status_code, body["code"], body["field"]


def test_create_read_edit_diff_and_review(api_for, mona, counts):
    api = api_for(mona)
    created = api.post(
        "/playbooks",
        {"key": "first-call", "title": "First call", "purpose": "Call fast.", "steps": STEPS,
         "owner": "mona", "stages": ["sal"], "body": "<script>x()</script>\n\n**Go**"},
        **{"Idempotency-Key": "k1"},
    )  # fmt: skip
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["key"], body["version"], body["owner"], body["stages"]) == (
        "first-call", 1, "mona", ["sal"],
    )  # fmt: skip
    assert body["current"]["body_html"] == "\n<p><strong>Go</strong></p>\n"
    before = counts()
    replay = api.post("/playbooks", {"key": "first-call", "title": "First call",
                                     "purpose": "Call fast.", "steps": STEPS, "owner": "mona",
                                     "stages": ["sal"], "body": "<script>x()</script>\n\n**Go**"},
                      **{"Idempotency-Key": "k1"})  # fmt: skip
    assert (replay.status_code, counts()) == (201, before)

    edited = api.post(
        "/playbooks/first-call/versions",
        {"change_note": "Retitle.", "title": "The first call", "base_version": 1},
    )
    assert edited.status_code == 201, edited.content
    assert (edited.json()["version"], edited.json()["current"]["steps"]) == (2, STEPS)

    diff = api.get("/playbooks/first-call/diff", {"from": 1, "to": 2}).json()
    changes = [
        (x["kind"], x["text"]) for hunk in diff["hunks"] for x in hunk if x["kind"] != "same"
    ]
    assert changes == [("removed", "Title: First call"), ("added", "Title: The first call")]

    review = api.post(
        "/playbooks/first-call/reviews", {"attendees": ["mona"], "what_changed": "Title."}
    )
    assert review.status_code == 201, review.content
    assert (review.json()["version"], review.json()["attendees"]) == (2, ["mona"])
    assert [v["number"] for v in api.get("/playbooks/first-call/versions").json()] == [2, 1]
    assert api.get("/playbooks", {"q": "the first"}).json()["items"][0]["key"] == "first-call"


def test_a_step_without_why_is_a_400_naming_the_step(api_for, mona, make_playbook, counts):
    make_playbook()
    api = api_for(mona)
    before = counts()
    response = api.post(
        "/playbooks/first-call/versions",
        {"change_note": "Deck.", "steps": [*STEPS, {"who": "Rep", "what": "Deck.", "why": ""}]},
    )
    assert _error(response) == (400, "invalid", "steps.2.why")
    assert counts() == before


def test_api_refusals(api_for, mona, make_playbook, make_user, counts):
    make_playbook()
    api, rep = api_for(mona), api_for(make_user(Role.SALES_REP))
    before = counts()
    stale = api.post(
        "/playbooks/first-call/versions", {"change_note": "x", "title": "Y", "base_version": 9}
    )
    assert _error(stale) == (409, "conflict", "base_version")
    missing = api.get("/playbooks/first-call/diff", {"from": 1, "to": 5})
    assert _error(missing) == (404, "not_found", "to")
    assert _error(api.get("/playbooks/nope")) == (404, "not_found", "key")
    nobody = api.post(
        "/playbooks/first-call/reviews", {"attendees": ["ghost"], "what_changed": "x"}
    )
    assert _error(nobody) == (404, "not_found", "attendees")
    denied = rep.post("/playbooks/first-call/versions", {"change_note": "x", "title": "Y"})
    assert _error(denied)[:2] == (403, "permission_denied")
    assert rep.get("/playbooks/first-call").status_code == 200
    assert counts() == before
    assert (PlaybookVersion.objects.count(), Review.objects.count()) == (1, 0)


def test_due_endpoint(api_for, mona, make_playbook):
    from datetime import timedelta

    from django.utils import timezone

    make_playbook("late", next_review_due=timezone.localdate() - timedelta(days=1))
    make_playbook("later")
    assert [p["key"] for p in api_for(mona).get("/playbooks/due").json()] == ["late"]
