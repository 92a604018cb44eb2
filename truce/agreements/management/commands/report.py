"""`truce report <name>`: reports on the terminal. The first is the scoreboard."""

import csv
import json

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.serializers.json import DjangoJSONEncoder

from truce.agreements import scoreboard
from truce.errors import DomainError

FORMATS = ("table", "csv", "json")


class Command(BaseCommand):
    help = "Reports. `truce report scoreboard [--period P] [--format table|csv|json]`."

    def add_arguments(self, parser: CommandParser) -> None:
        reports = parser.add_subparsers(dest="report", required=True, metavar="REPORT")
        board = reports.add_parser(
            "scoreboard", help="Each commitment's target, actual and pace, per team and person."
        )
        board.add_argument(
            "--period", default="", help=f"{scoreboard.PERIOD_HELP}; default: this month"
        )
        board.add_argument("--format", choices=FORMATS, default="table")

    def handle(self, *args: object, **options: object) -> None:
        if options["report"] == "scoreboard":
            self.scoreboard(str(options["period"]), str(options["format"]))

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
