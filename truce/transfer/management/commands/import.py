"""`truce import --all DIR`: restore a backup made by `truce export --all DIR`."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from truce.transfer import backup


class Command(BaseCommand):
    help = "Import data. `truce import --all DIR` restores a full backup into an empty database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("args", nargs="*", metavar="KIND FILE")
        parser.add_argument(
            "--all", metavar="DIR", dest="all_dir", help="restore the backup in DIR"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["all_dir"] or args:
            raise CommandError("truce import KIND FILE is not available yet")
        try:
            manifest = backup.restore_all(Path(options["all_dir"]), progress=self.stderr.write)
        except backup.BackupError as error:
            raise CommandError(str(error)) from None
        except OSError as error:
            raise CommandError(f"Cannot read the backup: {error}.") from None
        total = sum(entry["rows"] for entry in manifest["files"])
        self.stdout.write(f"Restored {total} rows of {len(manifest['files'])} tables.")
