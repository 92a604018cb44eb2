from django.core.management.base import BaseCommand, CommandError

from truce.errors import DomainError
from truce.identity.services import create_token_for_username


class Command(BaseCommand):
    help = "Manage API tokens. `truce token create USERNAME` prints a new token once."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a token; it is printed once, last line.")
        create.add_argument("username")
        create.add_argument("--name", default="", help="A label to recognise the token by.")

    def handle(self, *args, **options):
        try:
            token = create_token_for_username(username=options["username"], name=options["name"])
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stderr.write(f"API token for {options['username']} (it will not be shown again):")
        self.stdout.write(token)
