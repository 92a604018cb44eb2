"""A real `truce import` process killed with SIGKILL mid-way leaves whole batches only, and the
same command run again resumes after the last one, ending with every row exactly once.

The processes use a database of their own (an SQLite file, or a fresh PostgreSQL database),
made with `truce migrate`, so nothing here shares the test database's transaction."""

import csv
import signal
import sqlite3
import subprocess
import time

import psycopg

from .processes import truce

ROWS, BATCH = 30_000, 1_000


def test_a_killed_import_resumes_after_its_last_whole_batch(own_database, tmp_path):
    env, query = own_database
    subprocess.run(truce("migrate", "-v0"), env=env, check=True)
    path = tmp_path / "leads.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Email", "Lead ID", "Lead Source"])
        writer.writerows([f"p{n}@example.com", f"L-{n}", "import"] for n in range(ROWS))
    command = truce("import", "leads", str(path), "--batch-rows", str(BATCH))

    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    last_line = 0
    deadline = time.monotonic() + 120
    while last_line < 2 * BATCH and time.monotonic() < deadline:
        time.sleep(0.01)
        try:
            rows = query("SELECT last_line FROM transfer_importjob")
        except (sqlite3.OperationalError, psycopg.Error):
            continue  # the table is being created, or locked for a moment
        last_line = rows[0][0] if rows else 0
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)

    assert process.returncode == -signal.SIGKILL
    ((status, committed),) = query("SELECT status, last_line FROM transfer_importjob")
    leads = query("SELECT COUNT(*) FROM funnel_lead")[0][0]
    assert status == "running"
    assert committed < ROWS + 1, "the import finished before it was killed: nothing to test"
    assert (committed - 1) % BATCH == 0  # whole batches: line 1 is the header
    assert leads == committed - 1
    events = query("SELECT COUNT(*) FROM ledger_event WHERE kind = 'lead.created'")[0][0]
    assert events == leads

    resumed = subprocess.run(command, env=env, capture_output=True, text=True, check=True)

    assert f"Resumed import 1 after line {committed}." in resumed.stdout
    assert query("SELECT COUNT(*), COUNT(DISTINCT external_id) FROM funnel_lead")[0] == (
        ROWS,
        ROWS,
    )
    assert query("SELECT COUNT(*) FROM people_contact")[0][0] == ROWS
    assert query("SELECT status, created FROM transfer_importjob") == [("done", ROWS)]
    verified = subprocess.run(truce("ledger", "verify"), env=env, capture_output=True, text=True)
    assert verified.returncode == 0, verified.stdout + verified.stderr
