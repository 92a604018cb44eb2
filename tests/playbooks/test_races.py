"""Two editors, and two reminder runs, at the same moment on PostgreSQL (real connections)."""

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connections
from django.utils import timezone

from truce.errors import Conflict
from truce.playbooks import reminders, services
from truce.playbooks.models import Playbook, PlaybookVersion, ReviewReminder

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def _together(work: Callable[[int], Any]) -> list[Any]:
    start, results = threading.Barrier(2), []

    def run(n: int) -> None:
        try:
            start.wait()
            results.append(work(n))
        except Exception as exc:  # the outcome under test may be a refusal
            results.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_two_edits_from_the_same_version_keep_one_and_refuse_the_other(make_playbook, mona):
    playbook = make_playbook()

    def edit(n: int) -> int:
        version = services.edit_playbook(
            playbook=Playbook.objects.get(pk=playbook.pk),
            actor=mona,
            change_note=f"Edit {n}",
            changes={"title": f"Title {n}"},
            base_version=1,
        )
        return version.number

    results = _together(edit)

    assert sorted(map(type, results), key=str) == sorted([int, Conflict], key=str)
    assert 2 in results
    assert sorted(PlaybookVersion.objects.values_list("number", flat=True)) == [1, 2]


def test_two_edits_without_a_base_both_land_in_order(make_playbook, mona):
    playbook = make_playbook()

    def edit(n: int) -> int:
        return services.edit_playbook(
            playbook=Playbook.objects.get(pk=playbook.pk),
            actor=mona,
            change_note=f"Edit {n}",
            changes={"title": f"Title {n}"},
        ).number

    assert sorted(_together(edit)) == [2, 3]


def test_two_reminder_runs_send_one_email(make_playbook, smtp_server):
    make_playbook(next_review_due=timezone.localdate())

    assert sorted(_together(lambda n: reminders.send_due_reminders())) == [0, 1]
    assert (len(smtp_server.messages), ReviewReminder.objects.count()) == (1, 1)
