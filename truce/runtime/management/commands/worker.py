from django.core.management import call_command
from django.core.management.base import BaseCommand

from truce.runtime.schedule import start_scheduler


class Command(BaseCommand):
    help = (
        "Run background jobs: the django-tasks database worker, plus the scheduler that "
        "enqueues periodic jobs (SLA sweep). Stops cleanly on SIGTERM."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--queue-name", default="default", help="Queues to process, comma-separated, or '*'."
        )
        parser.add_argument(
            "--interval", type=float, default=1.0, help="Seconds between polls when idle (1)."
        )
        parser.add_argument(
            "--batch", action="store_true", help="Run what is queued now, then exit."
        )
        parser.add_argument(
            "--max-tasks", type=int, default=None, help="Exit after this many tasks."
        )
        parser.add_argument(
            "--no-schedule", action="store_true", help="Do not enqueue periodic jobs."
        )

    def handle(self, *args, **options):
        if not options["no_schedule"] and not options["batch"]:
            start_scheduler()
        call_command(
            "db_worker",
            queue_name=options["queue_name"],
            interval=options["interval"],
            batch=options["batch"],
            max_tasks=options["max_tasks"],
            reload=False,
            startup_delay=False,
            verbosity=options["verbosity"],
        )
