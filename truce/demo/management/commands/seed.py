import sys
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from truce.demo.services import seed_demo
from truce.errors import DomainError


def _progress(done: int, total: int, rows: int, seconds: float) -> None:
    rate = rows / seconds if seconds else 0.0
    sys.stderr.write(
        f"\r  {done:,}/{total:,} leads  {rows:,} rows  {seconds:5.1f} s  {rate:,.0f} rows/s"
    )
    if done == total:
        sys.stderr.write("\n")
    sys.stderr.flush()


class Command(BaseCommand):
    help = (
        "Fill the database with a demo organisation: users, campaigns and N lead journeys "
        "with their touches, stage history and ledger events. Refuses a database that has "
        "leads unless --append."
    )

    def add_arguments(self, parser):
        parser.add_argument("--leads", type=int, default=5000, help="How many leads (5000).")
        parser.add_argument("--seed", type=int, default=42, help="Same seed, same data (42).")
        parser.add_argument(
            "--append", action="store_true", help="Add to a database that already has leads."
        )
        parser.add_argument(
            "--until",
            type=date.fromisoformat,
            default=None,
            help="Window end: the start of this day, YYYY-MM-DD (default: today, UTC).",
        )

    def handle(self, *args, **options):
        if options["leads"] < 0:
            raise CommandError("--leads must be 0 or more.")
        try:
            report = seed_demo(
                leads=options["leads"],
                seed=options["seed"],
                append=options["append"],
                until=options["until"],
                progress=_progress if options["verbosity"] > 0 else None,
            )
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(
            f"Seeded {report.leads:,} leads ({report.rows:,} rows) in {report.seconds:.1f} s."
        )
