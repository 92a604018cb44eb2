"""`truce report NAME`: any registered report on the terminal (`truce report --list`), and
the scoreboard (`truce report scoreboard --period P`)."""

import csv
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.serializers.json import DjangoJSONEncoder

from truce.agreements import scoreboard
from truce.errors import DomainError
from truce.insights.reports.render import csv_text, table_data, text_table
from truce.insights.reports.runner import build_query, catalogue, run_report

FORMATS = ("table", "csv", "json")


class Command(BaseCommand):
    help = (
        "Reports: `truce report NAME [--by FIELD] [--from DATE] [--to DATE] [--as-of DATETIME] "
        "[--format table|csv|json]`; `truce report --list` names them; "
        "`truce report scoreboard [--period P]`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", nargs="?", help="the report (see --list)")
        parser.add_argument("--list", action="store_true", help="list the reports")
        parser.add_argument("--by", default="", help="group by: period, source, campaign, …")
        parser.add_argument("--from", dest="start", default="", help="from this date (2026-11-01)")
        parser.add_argument("--to", dest="end", default="", help="up to this date, included")
        parser.add_argument("--as-of", dest="as_of", default="", help="as it stood at a moment")
        parser.add_argument("--format", choices=FORMATS, default="table")
        parser.add_argument("--model", default="", help="attribution model")
        parser.add_argument("--half-life", dest="half_life_days", default="", help="days")
        parser.add_argument("--value", default="", help="attribution value: revenue, leads, …")
        parser.add_argument("--period", default="", help=f"{scoreboard.PERIOD_HELP}")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["list"] or not options["name"]:
            self.list_reports()
        elif options["name"] == "scoreboard":
            self.scoreboard(options["period"], options["format"])
        else:
            self.report(options)

    def list_reports(self) -> None:
        reports = [{"name": "scoreboard", "title": "The agreement's scoreboard"}, *catalogue()]
        width = max(len(r["name"]) for r in reports)
        for r in reports:
            self.stdout.write(f"{r['name'].ljust(width)}  {r['title']}")

    def report(self, options: dict[str, Any]) -> None:
        wanted = ("model", "half_life_days", "value", "period")
        try:
            query = build_query(
                by=options["by"],
                start=options["start"],
                end=options["end"],
                as_of=options["as_of"],
                **{k: options[k] for k in wanted},
            )
            table = run_report(options["name"], query)
        except DomainError as error:
            raise CommandError(error.message, returncode=2) from None
        if options["format"] == "json":
            self.stdout.write(json.dumps(table_data(table), cls=DjangoJSONEncoder, indent=2))
        elif options["format"] == "csv":
            self.stdout.write(csv_text(table), ending="")
        else:
            self.stdout.write(text_table(table), ending="")

    def scoreboard(self, period_text: str, fmt: str) -> None:
        try:
            period = scoreboard.parse_period(period_text)
        except DomainError as error:
            raise CommandError(error.message, returncode=2) from None
        board = scoreboard.scoreboard(period=period)
        if fmt == "json":
            data = scoreboard.board_data(board)
            self.stdout.write(json.dumps(data, cls=DjangoJSONEncoder, indent=2))
        elif fmt == "csv":
            rows = scoreboard.flat_rows(board)
            fields = ["period", *(rows[0] if rows else scoreboard.CSV_FIELDS)]
            writer = csv.DictWriter(self.stdout, fieldnames=fields, lineterminator="\n")
            writer.writeheader()
            writer.writerows({"period": period.key, **row} for row in rows)
        else:
            self.stdout.write(scoreboard.text_summary(board))
