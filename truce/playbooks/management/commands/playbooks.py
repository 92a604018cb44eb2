from django.core.management.base import BaseCommand, CommandError

from truce.errors import DomainError
from truce.identity import selectors as identity_selectors
from truce.playbooks.seeds import install_templates


class Command(BaseCommand):
    help = "Playbooks. `truce playbooks install-templates --owner USERNAME` adds the templates."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        install = sub.add_parser(
            "install-templates", help="Install the template playbooks whose key is free."
        )
        install.add_argument("--owner", help="Username of the owner (reminders go to them).")

    def handle(self, *args, **options):
        try:
            owner = None
            if options["owner"]:
                owner = identity_selectors.active_user(username=options["owner"], field="owner")
            created = install_templates(actor=None, owner=owner)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        for playbook in created:
            self.stdout.write(f"Installed {playbook.key}: {playbook.title}")
        self.stdout.write(f"{len(created)} template(s) installed; existing keys were left alone.")
