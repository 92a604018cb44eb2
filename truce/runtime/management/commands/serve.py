import os

from django.core.management.base import BaseCommand, CommandError

from truce.runtime.processes import default_workers, gunicorn_argv


class Command(BaseCommand):
    help = "Serve the web app and API with gunicorn (sync workers, persistent DB connections)."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="Address to bind (127.0.0.1).")
        parser.add_argument("--port", type=int, default=8000, help="Port to bind (8000).")
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help=f"Worker processes (default 2 x cores + 1 = {default_workers()}).",
        )

    def handle(self, *args, **options):
        workers = options["workers"] or default_workers()
        if workers < 1:
            raise CommandError("--workers must be 1 or more.")
        argv = gunicorn_argv(host=options["host"], port=options["port"], workers=workers)
        # Replace this process: signals (Ctrl-C, SIGTERM) go straight to the gunicorn master.
        os.execv(argv[0], argv)
