import sys

from django.core.management.base import BaseCommand

from truce.ledger.selectors import verify_chain


class Command(BaseCommand):
    help = "Work with the ledger. `truce ledger verify` proves no event was altered or removed."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="Recompute the hash chain; exit 1 at the first bad event.")

    def handle(self, *args, **options):
        verdict = verify_chain()
        if verdict.ok:
            self.stdout.write(f"OK: {verdict.checked} events verified; head {verdict.head_hash}")
            return
        where = f"event #{verdict.bad_seq}" + (f" (id {verdict.bad_id})" if verdict.bad_id else "")
        self.stderr.write(
            f"TAMPERED: {where}: {verdict.reason}. {verdict.checked} events before it verified."
        )
        sys.exit(1)
