"""`truce export KIND [--format F] [--output FILE] [filters]` and `truce export --all DIR`."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from truce.errors import DomainError
from truce.transfer import backup, export

PROGRESS_EVERY = 50_000


class Command(BaseCommand):
    help = (
        "Export a list or report (contacts, companies, leads, touches, campaigns, events, "
        "scoreboard) as CSV, JSON or JSON Lines, or with --all DIR a full backup."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", nargs="?", metavar="KIND", help=", ".join(export.KINDS))
        parser.add_argument("--format", default="csv", help="csv (default), json or jsonl")
        parser.add_argument("--output", "-o", metavar="FILE", help="write here, not to stdout")
        parser.add_argument(
            "--all", metavar="DIR", dest="all_dir", help="back up every table to DIR"
        )
        filters = parser.add_argument_group("filters (the kinds that take each are in brackets)")
        for name, text in export.filter_help().items():
            filters.add_argument(
                f"--{name.replace('_', '-')}", dest=f"filter_{name}", metavar="VALUE", help=text
            )

    def handle(self, *args: Any, **options: Any) -> None:
        filters = {
            k.removeprefix("filter_"): v
            for k, v in options.items()
            if k.startswith("filter_") and v is not None
        }
        if options["all_dir"]:
            if options["kind"] or filters:
                raise CommandError("--all DIR takes no KIND and no filters.")
            self.backup(Path(options["all_dir"]))
            return
        if not options["kind"]:
            raise CommandError(
                f"Say what to export: one of {', '.join(export.KINDS)}, or --all DIR."
            )
        try:
            # The CLI is the operator: it runs as the system actor and sees everything.
            job = export.start_export(
                kind=options["kind"], format=options["format"], user=None, params=filters
            )
        except DomainError as error:
            raise CommandError(error.message) from None
        if options["output"]:
            try:
                with open(options["output"], "w", encoding="utf-8", newline="") as out:
                    self.write(job, out.write)
            except OSError as error:
                raise CommandError(f"Cannot write {options['output']}: {error.strerror}.") from None
        else:
            self.write(job, lambda text: self.stdout.write(text, ending=""))
        rows = job.rows_written
        self.stderr.write(f"Exported {rows} row{'' if rows == 1 else 's'} of {job.kind.key}.")

    def write(self, job: export.Export, write: Callable[[str], Any]) -> None:
        reported = 0
        for chunk in job.chunks():
            write(chunk)
            if job.rows_written - reported >= PROGRESS_EVERY:
                reported = job.rows_written
                self.stderr.write(f"{reported} rows…")

    def backup(self, directory: Path) -> None:
        try:
            manifest = backup.dump_all(directory, progress=self.stderr.write)
        except backup.BackupError as error:
            raise CommandError(str(error)) from None
        except OSError as error:
            raise CommandError(f"Cannot write the backup: {error}.") from None
        total = sum(entry["rows"] for entry in manifest["files"])
        self.stdout.write(
            f"Backed up {total} rows of {len(manifest['files'])} tables to {directory}."
        )
