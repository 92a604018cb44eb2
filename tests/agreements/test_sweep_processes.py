"""Two real worker processes sweeping the same PostgreSQL database at the same moment breach,
escalate and notify every due clock exactly once."""

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from truce.agreements.models import Clock, ClockState
from truce.agreements.services import clocks
from truce.ledger.models import Event
from truce.ledger.selectors import verify_chain

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def _process_env(smtp_port: int) -> dict[str, str]:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    return {
        **os.environ,
        "DATABASE_URL": url,
        "TRUCE_SECRET_KEY": "x" * 50,
        "DJANGO_SETTINGS_MODULE": "truce.settings",
        "TRUCE_EMAIL_HOST": "127.0.0.1",
        "TRUCE_EMAIL_PORT": str(smtp_port),
    }


def _run_twice_at_once(command: list[str], env: dict[str, str]) -> list[str]:
    processes = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True) for _ in range(2)
    ]
    outputs = [p.communicate(timeout=180)[0] for p in processes]
    assert [p.returncode for p in processes] == [0, 0]
    return outputs


def test_two_worker_processes_breach_escalate_and_notify_each_clock_once(
    make_agreement, make_lead, rep, smtp_server, settings
):
    from django_tasks_db.models import DBTaskResult

    make_agreement([{"kind": "first_touch", "target": 100, "hours": 1, "escalate_after_hours": 2}])
    start = timezone.now() - timedelta(hours=3)
    for _ in range(60):
        clocks.on_owner_changed(lead=make_lead("mql"), owner=rep, at=start)
    env = _process_env(settings.EMAIL_PORT)
    truce = [sys.executable, "-m", "truce.cli"]

    outputs = _run_twice_at_once([*truce, "sla", "sweep"], env)
    breached = sum(int(o.split()[1].rstrip(",")) for o in outputs)
    escalated = sum(int(o.split()[3]) for o in outputs)
    assert (breached, escalated) == (60, 60)
    assert Clock.objects.filter(state=ClockState.BREACHED, escalated_at__isnull=False).count() == 60
    assert Event.objects.filter(kind="clock.breached").count() == 60
    assert Event.objects.filter(kind="clock.escalated").count() == 60
    # One notification job per clock and kind: nobody is told twice.
    jobs = DBTaskResult.objects.filter(task_path="truce.notify.tasks.send_clock_notifications")
    keys = [
        (clock_id, j.args_kwargs["kwargs"]["kind"])
        for j in jobs
        for clock_id in j.args_kwargs["kwargs"]["clock_ids"]
    ]
    assert len(keys) == len(set(keys)) == 120

    _run_twice_at_once([*truce, "worker", "--batch", "--no-schedule"], env)

    assert len(smtp_server.messages) == 120
    assert {tuple(r) for r, _ in smtp_server.messages} == {("rita@example.com",)}
    assert verify_chain().ok
