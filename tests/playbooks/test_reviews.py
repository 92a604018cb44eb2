"""Batch days: a review records who attended, what changed and what was removed and why, and
moves the next review by the cadence. Due reviews are listed and their owners reminded."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from truce.errors import DomainError, PermissionDenied
from truce.identity.models import Role
from truce.ledger.models import Event
from truce.playbooks import selectors, services
from truce.playbooks.models import Playbook, ReviewReminder
from truce.playbooks.reminders import send_due_reminders
from truce.playbooks.tasks import send_review_reminders


def test_a_review_moves_the_next_due_date_by_the_cadence(make_playbook, mona, make_user):
    sam = make_user(Role.SALES_OWNER, username="sam")
    playbook = make_playbook(review_cadence_days=30)
    day = timezone.localdate() - timedelta(days=2)

    review = services.record_review(
        playbook=playbook,
        actor=mona,
        attendees=[mona, sam, mona],
        what_changed="Call first.",
        what_removed="The fax step: nobody has a fax.",
        reviewed_on=day,
    )

    playbook.refresh_from_db()
    assert playbook.next_review_due == day + timedelta(days=30)
    assert sorted(u.username for u in review.attendees.all()) == ["mona", "sam"]
    assert (review.version.number, review.what_removed) == (1, "The fax step: nobody has a fax.")
    event = Event.objects.get(kind="playbook.reviewed")
    assert event.payload["attendees"] == ["mona", "sam"]
    assert event.payload["next_review_due"] == (day + timedelta(days=30)).isoformat()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"attendees": []}, "attendees"),
        ({"what_changed": " "}, "what_changed"),
        ({"reviewed_on": date.today() + timedelta(days=2)}, "reviewed_on"),
    ],
)
def test_a_bad_review_is_refused_and_the_due_date_stays(make_playbook, mona, counts, kwargs, field):
    playbook = make_playbook()
    due, before = playbook.next_review_due, counts()
    values = {"attendees": [mona], "what_changed": "Nothing.", **kwargs}
    with pytest.raises(DomainError) as caught:
        services.record_review(playbook=playbook, actor=mona, **values)
    playbook.refresh_from_db()
    assert (caught.value.field, counts(), playbook.next_review_due) == (field, before, due)


def test_a_rep_who_does_not_own_it_may_not_record_a_review(make_playbook, make_user, counts):
    playbook = make_playbook()
    rep = make_user(Role.SALES_REP)
    before = counts()
    with pytest.raises(PermissionDenied):
        services.record_review(playbook=playbook, actor=rep, attendees=[rep], what_changed="x")
    assert counts() == before


def test_due_reviews_lists_overdue_and_due_today_only(make_playbook, mona):
    today = timezone.localdate()
    make_playbook("late", title="Late", next_review_due=today - timedelta(days=5))
    make_playbook("today", title="Today", next_review_due=today)
    make_playbook("later", title="Later", next_review_due=today + timedelta(days=1))

    due = selectors.due_reviews(user=mona, today=today)

    assert [p.key for p in due] == ["late", "today"]


def test_the_owner_gets_one_reminder_per_due_date_through_smtp(
    make_playbook, mona, make_user, smtp_server, settings
):
    settings.TRUCE_BASE_URL = "https://crm.example.com"
    today = timezone.localdate()
    no_email = make_user(Role.MARKETER, username="noemail", email="")
    playbook = make_playbook(next_review_due=today - timedelta(days=3), title="First call")
    make_playbook("silent", owner=no_email, next_review_due=today)
    make_playbook("later", next_review_due=today + timedelta(days=1))

    assert send_review_reminders.call() == 1
    assert send_due_reminders() == 0  # the same due date: already reminded

    assert len(smtp_server.messages) == 1
    recipients, message = smtp_server.messages[0]
    assert recipients == ["mona@example.com"]
    assert message["Subject"] == "Review due: First call"
    body = message.get_content()
    assert "is due for review (3 days overdue)" in body
    assert "https://crm.example.com/playbooks/first-call/" in body
    reminder = ReviewReminder.objects.get()
    assert (reminder.playbook, reminder.due_on) == (playbook, today - timedelta(days=3))
    assert Event.objects.filter(kind="playbook.review_reminded").count() == 1


def test_a_review_moves_the_due_date_so_the_next_one_is_reminded_again(
    make_playbook, mona, smtp_server
):
    today = timezone.localdate()
    playbook = make_playbook(next_review_due=today, review_cadence_days=7)
    assert send_due_reminders(today=today) == 1
    services.record_review(playbook=playbook, actor=mona, attendees=[mona], what_changed="None.")

    assert send_due_reminders(today=today + timedelta(days=6)) == 0
    assert send_due_reminders(today=today + timedelta(days=7)) == 1
    assert [r.due_on for r in ReviewReminder.objects.order_by("due_on")] == [
        today,
        today + timedelta(days=7),
    ]
    assert len(smtp_server.messages) == 2


def test_a_failed_send_leaves_no_reminder_so_a_later_run_sends(
    make_playbook, settings, smtp_server
):
    make_playbook(next_review_due=timezone.localdate())
    settings.EMAIL_PORT = 1  # nothing listens there: the send fails
    with pytest.raises(OSError):
        send_due_reminders()
    assert ReviewReminder.objects.count() == 0
    assert Playbook.objects.get().reminders.count() == 0
