"""Anonymity by construction: after a pulse response, the database schema, every changed row
and the logs hold nothing that identifies the respondent."""

import io
import json
import logging
from datetime import date, datetime

import pytest
from django.db import connection
from gunicorn.config import Config

from truce.identity import services as identity_services
from truce.pulse import services
from truce.pulse.log_privacy import PulsePrivateLogger, ScrubPulseRequests
from truce.pulse.models import Answer, Participation, Post

from .conftest import scores

ADDRESS = "203.0.113.77"
ANONYMOUS_TABLES = ("pulse_answer", "pulse_post")


def _snapshot() -> dict[str, set[tuple]]:
    tables = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            tables[table] = {tuple(str(v) for v in row) for row in cursor.fetchall()}
    return tables


def _changes(before, after) -> dict[str, set[tuple]]:
    """Per table, the rows that are new (a rewritten row counts as new)."""
    return {t: after[t] - before.get(t, set()) for t in after if after[t] != before.get(t, set())}


def _column_types(table: str) -> dict[str, str]:
    with connection.cursor() as cursor:
        description = connection.introspection.get_table_description(cursor, table)
    return {d.name: connection.introspection.get_field_type(d.type_code, d) for d in description}


def _foreign_keys() -> dict[str, set[str]]:
    """Per table, the tables its foreign keys point at (introspected, not from the models)."""
    targets: dict[str, set[str]] = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            constraints = connection.introspection.get_constraints(cursor, table)
            targets[table] = {c["foreign_key"][0] for c in constraints.values() if c["foreign_key"]}
    return targets


class _Telltale(logging.Formatter):
    """A formatter an operator might write: time to the microsecond, user, address, session."""

    def format(self, record):
        request = getattr(record, "request", None)
        user = getattr(getattr(request, "user", None), "username", "")
        meta = getattr(request, "META", {})
        session = getattr(getattr(request, "session", None), "session_key", "")
        stamp = datetime.fromtimestamp(record.created).isoformat(timespec="microseconds")
        return f"{stamp} {record.name} {record.getMessage()} {user} {meta} {session}"


@pytest.fixture
def console_log():
    """Truce's configured console handler, writing with the telltale formatter into a buffer."""
    handler = next(
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, ScrubPulseRequests) for f in h.filters)
    )
    buffer = io.StringIO()
    old_stream, old_formatter = handler.setStream(buffer), handler.formatter
    handler.setFormatter(_Telltale())
    yield buffer
    handler.setStream(old_stream)
    handler.setFormatter(old_formatter)


def test_no_anonymous_table_can_point_at_a_person_or_a_time(db):
    keys = _foreign_keys()
    user_table = "identity_user"
    assert keys["pulse_answer"] == {"pulse_round", "pulse_question"}
    assert keys["pulse_post"] == set()
    assert keys["pulse_participation"] == {"pulse_round", user_table}
    # Nothing else points at an anonymous row, except a leader's reply at the post it answers.
    pointing = {t for t, targets in keys.items() if targets & set(ANONYMOUS_TABLES)}
    assert pointing == {"pulse_reply"}
    assert set(_column_types("pulse_answer")) == {"id", "round_id", "question_id", "score"}
    assert set(_column_types("pulse_post")) == {"id", "body", "posted_on"}
    assert _column_types("pulse_post")["posted_on"] == "DateField"
    assert set(_column_types("pulse_participation")) == {"id", "round_id", "person_id"}
    for table in ("pulse_answer", "pulse_post", "pulse_participation"):
        kinds = set(_column_types(table).values())
        assert not kinds & {"DateTimeField", "TimeField", "AutoField", "BigAutoField"}, table


def _answer_by_page(client, user, round_):
    client.force_login(user)
    before = _snapshot()
    response = client.post("/pulse/survey/", scores(4, 2, 5), REMOTE_ADDR=ADDRESS)
    assert response.status_code == 302
    # A bad answer gives the logs something to say about the request.
    assert client.post("/pulse/survey/", {}, REMOTE_ADDR=ADDRESS).status_code == 400
    return before, client.cookies["sessionid"].value, "/pulse/survey/"


def _answer_by_api(client, user, round_):
    token = identity_services.create_api_token(user=user, name="pulse")[1]
    before = _snapshot()
    response = client.post(
        "/api/v1/pulse/survey/answers",
        json.dumps({"round_id": round_.pk, "scores": scores(4, 2, 5)}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
        REMOTE_ADDR=ADDRESS,
    )
    assert response.status_code == 201, response.content
    again = client.post(
        "/api/v1/pulse/survey/answers",
        json.dumps({"round_id": round_.pk, "scores": scores(1, 1, 1)}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
        REMOTE_ADDR=ADDRESS,
    )
    assert again.status_code == 409
    return before, token, "/api/v1/pulse/survey/answers"


@pytest.mark.parametrize("answer", [_answer_by_page, _answer_by_api], ids=["page", "api"])
def test_after_a_response_nothing_identifies_the_respondent(
    client, open_round, make_user, people, console_log, answer
):
    for other in people(2):
        services.answer_survey(round_=open_round, actor=other, scores=scores(1, 1, 1))
    me = make_user(username="quinn.q", email="quinn@example.com", first_name="Quinn")
    before, secret, path = answer(client, me, open_round)
    changed = _changes(before, _snapshot())

    # Only the two pulse tables changed: no ledger event, no session or token write.
    assert set(changed) == {"pulse_participation", "pulse_answer"}
    assert len(changed["pulse_participation"]) == 3  # rewritten with new keys: every row new
    assert len(changed["pulse_answer"]) == 9
    assert Participation.objects.filter(person=me).count() == 1
    identifying = [str(me.pk), me.username, me.email, ADDRESS, secret]
    answer_values = {v for row in changed["pulse_answer"] for v in row}
    for value in answer_values:
        assert not any(x in value for x in identifying[1:]), value
        assert not _looks_like_a_time(value), value
    # The answer rows and the participation rows share no value but the round.
    participation_values = {v for row in changed["pulse_participation"] for v in row}
    shared = answer_values & participation_values
    assert shared - {str(open_round.pk), str(me.pk), *(str(n) for n in range(1, 6))} == set()
    assert {row[0] for row in changed["pulse_answer"]}.isdisjoint(
        {row[0] for row in changed["pulse_participation"]}
    )

    logged = console_log.getvalue()
    assert path in logged  # the refused answer was logged …
    for value in [me.username, me.email, ADDRESS, secret, "sessionid"]:
        assert value not in logged  # … without the person
    # … and at midnight: the time of day is gone.
    assert logged.startswith(f"{date.today().isoformat()}T") or "T" in logged.split()[0]
    assert all(line.split()[0].endswith(":00.000000") for line in logged.splitlines())


def _looks_like_a_time(value: str) -> bool:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return False
    return (moment.hour, moment.minute, moment.second) != (0, 0, 0) or "T" in value


def test_a_post_leaves_only_its_text_and_day(client, rep, console_log):
    client.force_login(rep)
    before = _snapshot()
    response = client.post("/pulse/posts/", {"body": "Nobody reads our reports."})
    assert response.status_code == 302
    changed = _changes(before, _snapshot())
    assert set(changed) == {"pulse_post"}
    (row,) = changed["pulse_post"]
    post = Post.objects.get()
    assert sorted(v.replace("-", "") for v in row) == sorted(
        [post.pk.hex, "Nobody reads our reports.", str(post.posted_on).replace("-", "")]
    )


def test_later_answers_give_earlier_rows_new_keys(open_round, people):
    first, second = people(2)
    services.answer_survey(round_=open_round, actor=first, scores=scores(3, 3, 3))
    keys = set(Answer.objects.values_list("pk", flat=True)) | set(
        Participation.objects.values_list("pk", flat=True)
    )
    services.answer_survey(round_=open_round, actor=second, scores=scores(4, 4, 4))
    later = set(Answer.objects.values_list("pk", flat=True)) | set(
        Participation.objects.values_list("pk", flat=True)
    )
    assert keys.isdisjoint(later)
    assert (Answer.objects.count(), Participation.objects.count()) == (6, 2)


def test_gunicorn_writes_no_access_line_for_pulse_requests(tmp_path):
    log = tmp_path / "access.log"
    config = Config()
    config.set("accesslog", str(log))
    logger = PulsePrivateLogger(config)

    class Response:
        status = "200 OK"
        response_length = 10
        headers: list = []
        sent = 10

    class Request:
        headers: list = []

    for path in ["/pulse/survey/", "/api/v1/pulse/posts", "/leads/"]:
        environ = {
            "PATH_INFO": path,
            "RAW_URI": path,
            "REQUEST_METHOD": "POST",
            "REMOTE_ADDR": ADDRESS,
            "QUERY_STRING": "",
            "SERVER_PROTOCOL": "HTTP/1.1",
        }
        logger.access(Response(), Request(), environ, _Elapsed())
    for handler in logger.access_log.handlers:
        handler.flush()
    lines = log.read_text().splitlines()
    assert len(lines) == 1
    assert "/leads/" in lines[0] and ADDRESS in lines[0]


class _Elapsed:
    seconds = 0
    microseconds = 1500

    def total_seconds(self):
        return 0.0015


def test_truce_serve_runs_gunicorn_with_the_private_logger():
    from truce.runtime.processes import gunicorn_argv

    argv = gunicorn_argv(host="127.0.0.1", port=8000, workers=1)
    assert argv[argv.index("--logger-class") + 1] == "truce.pulse.log_privacy.PulsePrivateLogger"


def test_log_records_of_other_pages_keep_their_request(rf):
    record = logging.LogRecord("django.request", logging.WARNING, "", 0, "Not Found", (), None)
    record.request = rf.get("/leads/")
    created = record.created
    assert ScrubPulseRequests().filter(record)
    assert (record.request.path, record.created) == ("/leads/", created)


def test_runserver_access_lines_for_the_pulse_lose_their_time():
    record = logging.LogRecord(
        "django.server",
        logging.INFO,
        "",
        0,
        '"%s" %s %s',
        ("POST /pulse/survey/ HTTP/1.1", "302", "0"),
        None,
    )
    record.request = object()  # the socket, which a formatter could print the address of
    assert ScrubPulseRequests().filter(record)
    moment = datetime.fromtimestamp(record.created).astimezone()
    assert (record.request, record.msecs) == ("[withheld: team pulse]", 0.0)
    assert record.created % 86400 == 0, moment
