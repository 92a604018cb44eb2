import sys
import time

from django.core.management.base import BaseCommand

from truce.insights.facts.services import check_facts, rebuild_facts


class Command(BaseCommand):
    help = (
        "Per-lead facts. `truce facts rebuild` rebuilds them from the ledger; with --check it "
        "only compares a rebuild with the live facts and exits 1 if they differ."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        rebuild = sub.add_parser("rebuild", help="Rebuild the facts tables from the ledger.")
        rebuild.add_argument(
            "--check",
            action="store_true",
            help="Change nothing: compare a rebuild with the live facts; exit 1 on a difference.",
        )
        rebuild.add_argument(
            "--limit", type=int, default=20, help="With --check: differences to show (20)."
        )

    def handle(self, *args, **options):
        began = time.monotonic()
        if options["check"]:
            self._check(options["limit"], began)
            return
        leads = rebuild_facts(progress=self._progress)
        took = time.monotonic() - began
        self.stdout.write(f"Rebuilt the facts of {leads} leads in {took:.1f} s.")

    def _progress(self, leads: int) -> None:
        if leads % 100_000 == 0:
            self.stderr.write(f"  {leads} leads…")

    def _check(self, limit: int, began: float) -> None:
        report = check_facts(limit=limit)
        took = f"{time.monotonic() - began:.1f} s"
        if not report.differences:
            self.stdout.write(f"OK: the facts of {report.leads} leads match the ledger ({took}).")
            return
        for difference in report.differences:
            self.stderr.write(str(difference))
        self.stderr.write(
            f"DIFFERENT: the live facts disagree with the ledger (showing up to {limit}); "
            "`truce facts rebuild` replaces them."
        )
        sys.exit(1)
