import os
import signal
import subprocess
import sys
import time
from types import FrameType

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from truce.demo.agreement import install_demo_agreement
from truce.demo.org import demo_credentials
from truce.demo.services import seed_demo
from truce.funnel.models import Lead
from truce.planning.demo import install_demo_planning
from truce.playbooks.demo import install_demo_playbooks
from truce.pulse.demo import install_demo_pulse
from truce.runtime.processes import truce_argv

DEMO_SEED = 42


class _Stop(Exception):
    pass


def _raise_stop(signum: int, frame: FrameType | None) -> None:
    raise _Stop


class Command(BaseCommand):
    help = (
        "Run Truce with demo data on this machine: migrate, seed (once), then the web server "
        "and one worker in one process tree until Ctrl-C or SIGTERM."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000, help="Port to serve on (8000).")
        parser.add_argument(
            "--leads",
            type=int,
            default=int(os.getenv("TRUCE_DEMO_LEADS", "5000")),
            help="Leads to seed into an empty database (5000, or $TRUCE_DEMO_LEADS).",
        )
        parser.add_argument("--workers", type=int, default=2, help="Web worker processes (2).")

    def handle(self, *args, **options):
        # Demo mail (breach alerts, digests) goes to the worker's console unless configured.
        os.environ.setdefault(
            "TRUCE_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
        )
        self.stdout.write(f"Data directory: {settings.DATA_DIR}")
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        call_command("migrate", interactive=False, verbosity=0)
        if not Lead.objects.exists():
            self.stdout.write(f"Seeding {options['leads']:,} demo leads (seed {DEMO_SEED})…")
            seed_demo(leads=options["leads"], seed=DEMO_SEED)
            self.stdout.write("Signing the demo agreement and sales-ready definition…")
            install_demo_agreement()
            self.stdout.write("Writing the demo playbooks, plan and team pulse…")
            install_demo_playbooks()
            install_demo_planning()
            install_demo_pulse()
        connection.close()
        self._announce(options["port"])
        sys.exit(self._run_children(options["port"], options["workers"]))

    def _announce(self, port: int) -> None:
        self.stdout.write(f"\nTruce is running at http://127.0.0.1:{port}/\n\nDemo users:")
        for username, role, password in demo_credentials():
            self.stdout.write(f"  {username:<8} {role:<16} password: {password}")
        self.stdout.write("\nPress Ctrl-C to stop.")
        self.stdout.flush()

    def _run_children(self, port: int, workers: int) -> int:
        signal.signal(signal.SIGTERM, _raise_stop)
        web = subprocess.Popen(truce_argv("serve", "--port", str(port), "--workers", str(workers)))
        worker = subprocess.Popen(truce_argv("worker"))
        self.stdout.write(f"Started web server (pid {web.pid}) and worker (pid {worker.pid}).")
        self.stdout.flush()
        code = 0
        try:
            while web.poll() is None and worker.poll() is None:
                time.sleep(0.2)
            code = 1  # a child stopped on its own: stop the other and report failure
            self.stderr.write("A child process stopped; stopping the other.")
        except (_Stop, KeyboardInterrupt):
            pass
        finally:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            _stop_all([web, worker])
        self.stdout.write("Stopped.")
        return code


def _stop_all(children: list[subprocess.Popen[bytes]]) -> None:
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 15
    for child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
    if any(child.returncode is None for child in children):
        raise CommandError("A child process did not stop.")
