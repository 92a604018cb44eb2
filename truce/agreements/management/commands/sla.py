from django.core.management.base import BaseCommand

from truce.agreements.services.clocks import sweep


class Command(BaseCommand):
    help = "SLA operations. `truce sla sweep` breaches and escalates due clocks now."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("sweep", help="Breach overdue clocks and escalate late ones.")

    def handle(self, *args, **options):
        totals = sweep()
        self.stdout.write(f"breached {totals['breached']}, escalated {totals['escalated']}")
