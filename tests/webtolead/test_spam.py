"""Spam protection: the honeypot, the rate limit per address, and how the address is found."""

from datetime import UTC, datetime, timedelta

import pytest

from truce.webtolead import throttle
from truce.webtolead.errors import Throttled
from truce.webtolead.models import RateWindow, WebForm

GOOD = {"email": "ada@example.com", "first_name": "Ada"}
T0 = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)  # on a window boundary for any window <= 1 h


def test_a_filled_honeypot_answers_like_success_and_creates_nothing(web_form, visitor, counts):
    before = counts()

    caught = visitor.post(web_form, {**GOOD, "website": "http://spam.example"})
    caught_json = visitor.post_json(web_form, {**GOOD, "website": "x", "favourite": "blue"})

    assert counts() == before
    assert caught.status_code == 200
    assert b"Thank you. We will be in touch soon." in caught.content
    assert caught_json.status_code == 200
    assert caught_json.json() == {
        "status": "received",
        "message": "Thank you. We will be in touch soon.",
        "redirect_url": None,
    }
    form = WebForm.objects.get(pk=web_form.pk)
    assert (form.spam_count, form.submission_count) == (2, 0)


def test_a_honeypot_on_a_redirecting_form_redirects_too(make_form, visitor, counts):
    form = make_form(redirect_url="https://www.example.com/thanks")
    before = counts()

    response = visitor.post(form, {**GOOD, "website": "http://spam.example"})

    assert (response.status_code, response["Location"]) == (303, "https://www.example.com/thanks")
    assert counts() == before


def test_the_sixth_submission_in_a_minute_is_429(web_form, visitor, error_of, counts):
    for n in range(5):
        assert visitor.post_json(web_form, {"email": f"p{n}@example.com"}).status_code == 200
    before = counts()

    refused = visitor.post_json(web_form, {"email": "p6@example.com"})
    refused_form = visitor.post(web_form, {"email": "p7@example.com"})

    assert error_of(refused) == (429, "throttled", None)
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused.json()["message"].startswith("Too many submissions from your address;")
    assert refused_form.status_code == 429 and "Retry-After" in refused_form
    assert counts() == before


def test_the_limit_is_per_address(web_form, visitor_from, settings):
    settings.TRUCE_WEBFORM_RATE_LIMIT = 1
    first, second = visitor_from("198.51.100.1"), visitor_from("198.51.100.2")

    assert first.post(web_form, {"email": "a@example.com"}).status_code == 200
    assert first.post(web_form, {"email": "b@example.com"}).status_code == 429
    assert second.post(web_form, {"email": "c@example.com"}).status_code == 200


def test_bad_submissions_and_honeypots_count_against_the_limit(web_form, visitor, settings):
    settings.TRUCE_WEBFORM_RATE_LIMIT = 2

    assert visitor.post(web_form, {"email": "bad"}).status_code == 400
    assert visitor.post(web_form, {**GOOD, "website": "spam"}).status_code == 200
    assert visitor.post(web_form, GOOD).status_code == 429


def test_a_zero_limit_turns_rate_limiting_off(web_form, visitor, settings):
    settings.TRUCE_WEBFORM_RATE_LIMIT = 0

    statuses = {
        visitor.post(web_form, {"email": f"p{n}@example.com"}).status_code for n in range(8)
    }

    assert statuses == {200}
    assert RateWindow.objects.count() == 0


def test_a_throttled_address_may_post_again_in_the_next_window(
    web_form, visitor, settings, monkeypatch, counts
):
    from truce.webtolead import public

    settings.TRUCE_WEBFORM_RATE_LIMIT = 1
    now = [T0 + timedelta(seconds=50)]
    monkeypatch.setattr(public, "clock", lambda: now[0])
    assert visitor.post(web_form, {"email": "a@example.com"}).status_code == 200
    refused = visitor.post(web_form, {"email": "b@example.com"})

    now[0] = T0 + timedelta(seconds=60)
    accepted = visitor.post(web_form, {"email": "b@example.com"})

    assert (refused.status_code, refused["Retry-After"]) == (429, "10")
    assert accepted.status_code == 200
    assert counts()["contacts"] == 2


def test_the_window_rolls_over_on_a_controlled_clock(db, settings):
    settings.TRUCE_WEBFORM_RATE_LIMIT, settings.TRUCE_WEBFORM_RATE_WINDOW = 2, 60

    throttle.hit(address="192.0.2.1", now=T0)
    throttle.hit(address="192.0.2.1", now=T0 + timedelta(seconds=20))
    with pytest.raises(Throttled) as refused:
        throttle.hit(address="192.0.2.1", now=T0 + timedelta(seconds=45))
    throttle.hit(address="192.0.2.1", now=T0 + timedelta(seconds=60))  # a new window

    assert refused.value.retry_after == 15
    rows = sorted(RateWindow.objects.values_list("window_start", "count"))
    assert rows == [(T0, 2), (T0 + timedelta(seconds=60), 1)]


def test_retry_after_rounds_up_and_is_at_least_one_second(db, settings):
    settings.TRUCE_WEBFORM_RATE_LIMIT, settings.TRUCE_WEBFORM_RATE_WINDOW = 1, 60
    throttle.hit(address="192.0.2.1", now=T0)

    with pytest.raises(Throttled) as late:
        throttle.hit(address="192.0.2.1", now=T0 + timedelta(seconds=59, microseconds=900_000))
    with pytest.raises(Throttled) as early:
        throttle.hit(address="192.0.2.1", now=T0 + timedelta(seconds=0.5))

    assert (late.value.retry_after, early.value.retry_after) == (1, 60)


def test_old_windows_are_purged_when_a_new_one_opens(db, settings):
    settings.TRUCE_WEBFORM_RATE_LIMIT, settings.TRUCE_WEBFORM_RATE_WINDOW = 5, 60
    throttle.hit(address="192.0.2.1", now=T0)
    throttle.hit(address="192.0.2.2", now=T0 + timedelta(seconds=61))

    throttle.hit(address="192.0.2.3", now=T0 + timedelta(seconds=121))

    starts = sorted(RateWindow.objects.values_list("window_start", flat=True))
    assert starts == [T0 + timedelta(seconds=60), T0 + timedelta(seconds=120)]


def test_only_a_keyed_hash_of_the_address_is_stored(web_form, visitor, settings):
    visitor.post(web_form, GOOD)

    row = RateWindow.objects.get()
    assert row.address_hash == throttle.address_hash("203.0.113.7")
    assert "203.0.113.7" not in row.address_hash and len(row.address_hash) == 64
    settings.SECRET_KEY = "another-key"
    assert throttle.address_hash("203.0.113.7") != row.address_hash


@pytest.mark.parametrize(
    ("proxies", "forwarded", "address"),
    [
        (0, "1.1.1.1", "10.0.0.9"),  # no trusted proxy: the header is ignored
        (1, "1.1.1.1", "1.1.1.1"),
        (1, "6.6.6.6, 1.1.1.1", "1.1.1.1"),  # the client forged the leftmost entry
        (2, "6.6.6.6, 1.1.1.1, 10.0.0.2", "1.1.1.1"),
        (2, "1.1.1.1", "1.1.1.1"),  # fewer hops than proxies: the leftmost there is
        (1, "", "10.0.0.9"),
    ],
)
def test_the_client_address_behind_trusted_proxies(settings, proxies, forwarded, address):
    settings.TRUCE_TRUSTED_PROXIES = proxies
    meta = {"REMOTE_ADDR": "10.0.0.9", "HTTP_X_FORWARDED_FOR": forwarded}

    assert throttle.client_address(meta) == address


def test_behind_a_proxy_each_client_has_its_own_limit(web_form, settings):
    from django.test import Client

    settings.TRUCE_WEBFORM_RATE_LIMIT, settings.TRUCE_TRUSTED_PROXIES = 1, 1
    proxy = Client(REMOTE_ADDR="10.0.0.9")
    url = f"/f/{web_form.key}/"

    def post(client_ip: str, email: str) -> int:
        return proxy.post(url, {"email": email}, headers={"X-Forwarded-For": client_ip}).status_code

    assert [post("1.1.1.1", "a@example.com"), post("2.2.2.2", "b@example.com")] == [200, 200]
    assert post("1.1.1.1", "c@example.com") == 429
