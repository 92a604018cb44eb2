"""The weekly scoreboard digest, delivered through a real SMTP server on 127.0.0.1."""

from datetime import timedelta

import pytest
from django.conf import settings

from tests.agreements import test_scoreboard as month
from truce.agreements.models import Agreement
from truce.notify.digest import CLAIM_NAME, send_digest
from truce.runtime.models import PeriodicRun

# The hand-computed month of tests/agreements/test_scoreboard.py (NOW is Monday 16 November).
signed_long_ago, people, hand_over, november = (
    month.signed_long_ago,
    month.people,
    month.hand_over,
    month.november,
)
MONDAY = month.NOW


def test_on_the_agreed_day_both_owners_get_the_scoreboard(smtp_server, november):
    assert send_digest(now=MONDAY) == 1  # the daily job runs at midnight UTC

    [(recipients, message)] = smtp_server.messages
    assert recipients == ["vpm@example.com", "vps@example.com"]
    assert message["Subject"] == "Truce scoreboard, November 2026: 2 of 6 commitments on track"
    assert message.get_content_type() == "text/plain"
    body = message.get_content()
    assert "Scoreboard for November 2026 (2026-11)" in body
    lines = body.splitlines()
    mql = next(line for line in lines if "mql_volume" in line)
    assert mql.split() == ["marketing", "mql_volume", "10", "5", "10", "on", "track"]
    acceptance = next(line for line in lines if "acceptance_rate" in line)
    assert acceptance.split() == [
        "marketing",
        "acceptance_rate",
        "80",
        "%",
        "75",
        "%",
        "3/4",
        "behind",
    ]
    first_touch = next(line for line in lines if "first_touch" in line)
    assert "33.3 %" in first_touch and "1/3" in first_touch
    assert "Black hole: 2 lead(s) overdue with sales." in body
    assert "Breaches in the period: 4." in body
    assert f"{settings.TRUCE_BASE_URL}/scoreboard/?period=2026-11" in body


def test_a_second_run_the_same_week_sends_nothing(smtp_server, november):
    assert send_digest(now=MONDAY + timedelta(hours=7)) == 1
    assert send_digest(now=MONDAY + timedelta(hours=7)) == 0
    assert send_digest(now=MONDAY + timedelta(hours=20)) == 0

    assert len(smtp_server.messages) == 1
    assert PeriodicRun.objects.filter(name=CLAIM_NAME).count() == 1

    assert send_digest(now=MONDAY + timedelta(days=7, hours=7)) == 1  # the next week
    assert len(smtp_server.messages) == 2


def test_other_days_send_nothing_and_claim_nothing(smtp_server, november):
    for days in range(1, 7):
        assert send_digest(now=MONDAY + timedelta(days=days, hours=7)) == 0

    assert smtp_server.messages == []
    assert not PeriodicRun.objects.filter(name=CLAIM_NAME).exists()


def test_the_day_is_the_agreements_scoreboard_weekday(smtp_server, november):
    Agreement.objects.update(scoreboard_weekday=2)  # Wednesday

    assert send_digest(now=MONDAY + timedelta(hours=7)) == 0
    assert send_digest(now=MONDAY + timedelta(days=2, hours=7)) == 1
    assert len(smtp_server.messages) == 1


def test_a_failed_send_keeps_no_claim_so_a_later_run_sends(smtp_server, november, settings):
    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = month_free_port()
    with pytest.raises(OSError):
        send_digest(now=MONDAY + timedelta(hours=7))
    assert not PeriodicRun.objects.filter(name=CLAIM_NAME).exists()

    settings.EMAIL_PORT = port
    assert send_digest(now=MONDAY + timedelta(hours=8)) == 1
    assert len(smtp_server.messages) == 1


def test_no_agreement_no_digest(smtp_server, db):
    assert send_digest(now=MONDAY) == 0
    assert smtp_server.messages == []


def test_the_digest_is_a_daily_periodic_job():
    assert settings.TRUCE_PERIODIC_JOBS["truce.notify.tasks.send_scoreboard_digest"] == 86400


def month_free_port():
    from tests.conftest import free_port

    return free_port()


def test_the_digest_day_is_in_the_calendars_time_zone(smtp_server, november):
    from truce.agreements.models import Calendar

    Calendar.objects.update(time_zone="Pacific/Auckland")  # UTC+13 in November

    assert send_digest(now=MONDAY + timedelta(hours=12)) == 0  # Monday 13:00 UTC is Tuesday there
    assert send_digest(now=MONDAY - timedelta(hours=6)) == 1  # Sunday 18:00 UTC is Monday there
