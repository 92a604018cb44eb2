"""A report's Table in the shapes the surfaces show: JSON data, CSV (formulas neutralised, as
every export is), plain text for the terminal and readable cells for the page."""

import csv
import io
from datetime import timedelta
from decimal import Decimal
from typing import Any

from truce.agreements.scoreboard import describe_overdue
from truce.transfer.export import neutralise

from .base import Column, Table

NUMERIC = {"int", "decimal", "percent", "duration"}


def cell_text(value: Any, kind: str) -> str:
    """What a person reads: `50.0 %`, `2 d 3 h`, `—` for no data."""
    if value is None or value == "":
        return "—" if kind in NUMERIC else ""
    if kind == "percent":
        return f"{value} %"
    if kind == "duration":
        return describe_overdue(timedelta(seconds=int(value)))
    return str(value)


def csv_cell(value: Any, column: Column) -> str:
    if value is None:
        return ""
    if column.kind in NUMERIC and isinstance(value, int | Decimal | float):
        return str(value)  # a number is data, not a formula: -5 stays -5
    return neutralise(str(value))


def csv_text(table: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([c.key for c in table.columns])
    for row in table.rows:
        writer.writerow([csv_cell(row.get(c.key), c) for c in table.columns])
    return out.getvalue()


def table_data(table: Table) -> dict[str, Any]:
    return {
        "name": table.name,
        "title": table.title,
        "columns": [{"key": c.key, "label": c.label, "kind": c.kind} for c in table.columns],
        "rows": [{c.key: row.get(c.key) for c in table.columns} for row in table.rows],
        "notes": table.notes,
        "chart": table.chart,
    }


def text_table(table: Table) -> str:
    """Aligned columns under the title, then the notes."""
    header = [c.label for c in table.columns]
    body = [[cell_text(r.get(c.key), c.kind) for c in table.columns] for r in table.rows]
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]
    lines = [table.title, ""]
    for line in [header, *body]:
        cells = (cell.ljust(w) for cell, w in zip(line, widths, strict=True))
        lines.append("  ".join(cells).rstrip())
    if not body:
        lines.append("(no rows)")
    return "\n".join([*lines, "", *table.notes]).rstrip() + "\n"
