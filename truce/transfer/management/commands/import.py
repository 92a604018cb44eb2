"""`truce import KIND FILE [--mapping FILE] [--dry-run] [--skip-bad-rows]`, and
`truce import --all DIR` to restore a backup made by `truce export --all DIR`."""

import json
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from truce.errors import DomainError
from truce.transfer.imports.engine import BATCH_ROWS, Reading, Report, run_import
from truce.transfer.imports.fields import PRESETS
from truce.transfer.imports.mapping import fields_by_kind, load_spec, parse_spec
from truce.transfer.models import ImportStatus


def _seconds(value: float | None) -> str:
    if value is None:
        return "-"
    minutes, seconds = divmod(int(value), 60)
    return f"{minutes} min {seconds} s" if minutes else f"{seconds} s"


class Command(BaseCommand):
    help = (
        "Import a CSV or XLSX file of KIND (companies, contacts, leads, campaigns), or restore "
        "a full backup with --all DIR. See docs/how-to/import.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", nargs="?", choices=fields_by_kind(), metavar="KIND")
        parser.add_argument("file", nargs="?", metavar="FILE")
        parser.add_argument("--mapping", metavar="FILE", help="a mapping document (JSON)")
        parser.add_argument("--preset", choices=sorted(PRESETS), help="column names of a CRM")
        parser.add_argument("--dry-run", action="store_true", help="count, write nothing")
        parser.add_argument(
            "--skip-bad-rows", action="store_true", help="import the good rows, hand back the bad"
        )
        parser.add_argument("--encoding", help="the file's encoding, when it has no BOM")
        parser.add_argument("--delimiter", help="the CSV delimiter, when detection is wrong")
        parser.add_argument("--sheet", help="the XLSX sheet (default: the first)")
        parser.add_argument("--as", dest="username", help="the user the import is recorded as")
        parser.add_argument(
            "--batch-rows", type=int, default=BATCH_ROWS, help="rows per transaction"
        )
        parser.add_argument("--format", choices=["text", "json"], default="text")
        parser.add_argument("--all", metavar="DIR", dest="all_dir", help="restore a backup")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["all_dir"]:
            if options["kind"] or options["file"]:
                raise CommandError("Give either --all DIR or KIND FILE, not both.")
            return self._restore(Path(options["all_dir"]))
        if not options["kind"] or not options["file"]:
            raise CommandError("Give KIND and FILE (or --all DIR); see truce import --help.")
        kind, path = options["kind"], Path(options["file"])
        try:
            spec = (
                load_spec(Path(options["mapping"]), kind=kind)
                if options["mapping"]
                else parse_spec({"preset": options["preset"] or ""}, kind=kind)
            )
            if options["preset"]:
                spec.preset = options["preset"]
            report = run_import(
                kind=kind,
                path=path,
                spec=spec,
                actor=self._actor(options["username"]),
                dry_run=options["dry_run"],
                skip_bad_rows=options["skip_bad_rows"],
                reading=Reading(options["encoding"], options["delimiter"], options["sheet"]),
                progress=self._progress,
                batch_rows=max(options["batch_rows"], 1),
            )
        except DomainError as exc:
            where = f" ({exc.field})" if exc.field else ""
            raise CommandError(f"{exc.message}{where}") from None
        self.stderr.write("")
        if options["format"] == "json":
            self.stdout.write(json.dumps(_report_data(report), indent=2))
        else:
            self._summary(report)
        if report.status == ImportStatus.REFUSED:
            raise CommandError(
                f"{report.bad_count} bad row(s): nothing was imported. Fix them (see "
                f"{report.bad_rows_file}) or pass --skip-bad-rows."
            )

    def _actor(self, username: str | None) -> Any:
        if not username:
            return None  # the system
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {username!r}.")
        return user

    def _progress(self, report: Report) -> None:
        self.stderr.write(
            f"\r{report.done:,} / {report.rows - report.bad_count:,} rows, "
            f"{report.rate:,.0f} rows/s, ETA {_seconds(report.eta())}",
            ending="",
        )

    def _summary(self, report: Report) -> None:
        out = self.stdout.write
        verb = "Would import" if report.status == ImportStatus.DRY_RUN else "Imported"
        if report.status == ImportStatus.REFUSED:
            verb = "Refused"
        if report.resumed_after:
            out(f"Resumed import {report.job_id} after line {report.resumed_after}.")
        out(
            f"{verb} {report.kind} from {report.rows:,} rows (import {report.job_id}): "
            f"{report.created:,} created, {report.updated:,} updated, "
            f"{report.unchanged:,} unchanged, {report.bad_count:,} bad, "
            f"in {report.seconds:.1f} s."
        )
        out("Columns: " + ", ".join(f"{c} -> {f}" for c, f in report.columns.items()))
        if report.ignored:
            out("Not imported: " + ", ".join(report.ignored))
        for bad in report.bad_rows:
            column = f", column {bad.column}" if bad.column else ""
            out(f"  line {bad.line}{column}: {bad.reason}")
        if report.bad_count > len(report.bad_rows):
            out(f"  ... and {report.bad_count - len(report.bad_rows):,} more")
        if report.bad_rows_file:
            out(f"Bad rows, to fix and import again: {report.bad_rows_file}")
        for warning in report.warnings:
            out(f"Warning: {warning}")

    def _restore(self, directory: Path) -> None:
        from truce.transfer import backup

        try:
            manifest = backup.restore_all(directory, progress=self.stderr.write)
        except backup.BackupError as error:
            raise CommandError(str(error)) from None
        except OSError as error:
            raise CommandError(f"Cannot read the backup: {error}.") from None
        total = sum(entry["rows"] for entry in manifest["files"])
        self.stdout.write(f"Restored {total} rows of {len(manifest['files'])} tables.")


def _report_data(report: Report) -> dict[str, Any]:
    return {
        "job": report.job_id,
        "kind": report.kind,
        "status": report.status,
        "rows": report.rows,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "bad": report.bad_count,
        "bad_rows": [
            {"line": b.line, "column": b.column, "reason": b.reason} for b in report.bad_rows
        ],
        "bad_rows_file": report.bad_rows_file,
        "warnings": report.warnings,
        "columns": report.columns,
        "ignored": report.ignored,
        "resumed_after": report.resumed_after,
        "seconds": round(report.seconds, 3),
    }
