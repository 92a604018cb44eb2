"""The pulse API: the same services, the same refusals, the k threshold in JSON."""

import pytest

from tests.api.conftest import ApiClient, error_of
from truce.api.models import IdempotencyRecord
from truce.identity import services as identity_services
from truce.identity.models import Role
from truce.ledger.models import Event
from truce.pulse.models import Answer, Participation, Post, Reply

from .conftest import scores


@pytest.fixture
def client_for(db):
    return lambda user: ApiClient(identity_services.create_api_token(user=user, name="t")[1])


@pytest.fixture
def api(admin_user, client_for):
    return client_for(admin_user)


@pytest.fixture
def rep_api(client_for, rep):
    return client_for(rep)


def test_write_and_list_posts(rep_api, make_user, client_for, today):
    created = rep_api.post("/pulse/posts", {"body": "We need one lead definition."})
    assert created.status_code == 201
    body = created.json()
    assert set(body) == {"id", "body", "posted_on", "replies"}
    assert (body["body"], body["posted_on"], body["replies"]) == (
        "We need one lead definition.",
        today.isoformat(),
        [],
    )
    owner = make_user(Role.SALES_OWNER, first_name="Sam", last_name="Sutton")
    reply = client_for(owner).post(f"/pulse/posts/{body['id']}/replies", {"body": "Agreed."})
    assert reply.status_code == 201
    assert (reply.json()["author"], reply.json()["body"]) == ("Sam Sutton", "Agreed.")
    listed = rep_api.get("/pulse/posts").json()["items"]
    assert [(p["id"], [r["body"] for r in p["replies"]]) for p in listed] == [
        (body["id"], ["Agreed."])
    ]


def test_bad_posts_are_refused_and_nothing_is_written(rep_api):
    for bad in [{}, {"body": ""}, {"body": "x" * 4001}, {"body": "hi", "author": "me"}]:
        response = rep_api.post("/pulse/posts", bad)
        assert response.status_code in (400, 422), bad
        assert error_of(response)["code"]
    assert rep_api.post("/pulse/posts", {"body": "   "}).status_code == 400
    assert Post.objects.count() == 0


def test_a_rep_may_not_reply(rep_api, rep):
    post = rep_api.post("/pulse/posts", {"body": "Hello"}).json()
    response = rep_api.post(f"/pulse/posts/{post['id']}/replies", {"body": "Me"})
    assert (response.status_code, error_of(response)["code"]) == (403, "permission_denied")
    assert Reply.objects.count() == 0


def test_replying_to_an_unknown_post_is_404(api):
    response = api.post("/pulse/posts/00000000-0000-4000-8000-000000000000/replies", {"body": "x"})
    assert (response.status_code, error_of(response)["code"]) == (404, "not_found")
    assert api.post("/pulse/posts/nope/replies", {"body": "x"}).status_code == 422


def test_read_and_answer_the_survey(rep_api, open_round):
    survey = rep_api.get("/pulse/survey").json()
    assert (survey["round_id"], survey["answered"], survey["respondents"]) == (
        open_round.pk,
        False,
        0,
    )
    assert [q["key"] for q in survey["questions"]] == [
        "cooperation",
        "shared_goals",
        "trust_numbers",
    ]
    body = {"round_id": open_round.pk, "scores": scores(5, 4, 3)}
    answered = rep_api.post("/pulse/survey/answers", body)
    assert (answered.status_code, answered.json()) == (
        201,
        {"round_id": open_round.pk, "recorded": True},
    )
    again = rep_api.post("/pulse/survey/answers", body)
    assert (again.status_code, error_of(again)["code"]) == (409, "already_answered")
    assert rep_api.get("/pulse/survey").json()["answered"] is True
    assert (Participation.objects.count(), Answer.objects.count()) == (1, 3)


def test_no_open_round_reads_as_nulls(rep_api, db):
    assert rep_api.get("/pulse/survey").json() == {
        "round_id": None,
        "opens_on": None,
        "closes_on": None,
        "questions": [],
        "answered": False,
        "respondents": 0,
    }


@pytest.mark.parametrize(
    ("scores_in", "status", "field"),
    [
        (scores(6, 4, 3), 400, "scores.cooperation"),
        ({"cooperation": 3}, 400, "scores.shared_goals"),
        (scores(5, 4, "3"), 422, None),
        (scores(5, 4, True), 422, None),
    ],
)
def test_bad_answers_are_refused(rep_api, open_round, scores_in, status, field):
    response = rep_api.post(
        "/pulse/survey/answers", {"round_id": open_round.pk, "scores": scores_in}
    )
    assert response.status_code == status
    if field:
        assert error_of(response)["field"] == field
    assert (Participation.objects.count(), Answer.objects.count()) == (0, 0)


def test_answering_an_unknown_or_closed_round(rep_api, past_round):
    unknown = rep_api.post("/pulse/survey/answers", {"round_id": 999999, "scores": {}})
    assert unknown.status_code == 404
    closed = rep_api.post(
        "/pulse/survey/answers", {"round_id": past_round.pk, "scores": scores(3, 3, 3)}
    )
    assert (closed.status_code, error_of(closed)["code"]) == (409, "round_closed")


def test_results_withhold_below_k(rep_api, past_round, fill, people):
    fill(past_round, [(p, (2, 3, 4)) for p in people(4)])
    body = rep_api.get("/pulse/results").json()
    assert body["min_answers"] == 5
    assert body["rounds"] == [
        {
            "round_id": past_round.pk,
            "opens_on": past_round.opens_on.isoformat(),
            "closes_on": past_round.closes_on.isoformat(),
            "respondents": 4,
            "shown": False,
            "withheld": "not enough answers",
            "questions": [],
        }
    ]
    fill(past_round, [(p, (4, 3, 4)) for p in people(1)])
    (row,) = rep_api.get("/pulse/results").json()["rounds"]
    assert (row["shown"], row["withheld"], row["respondents"]) == (True, None, 5)
    # (2*4 + 4) / 5 = 2.40
    assert [(q["key"], q["mean"], q["distribution"]) for q in row["questions"]] == [
        ("cooperation", "2.40", [0, 4, 0, 1, 0]),
        ("shared_goals", "3.00", [0, 0, 5, 0, 0]),
        ("trust_numbers", "4.00", [0, 0, 0, 5, 0]),
    ]


def test_a_post_with_an_idempotency_key_stores_no_record_of_its_author(rep_api):
    events = Event.objects.count()
    response = rep_api.post("/pulse/posts", {"body": "One"}, **{"Idempotency-Key": "abc"})
    assert response.status_code == 201
    assert IdempotencyRecord.objects.count() == 0
    assert Event.objects.count() == events
