"""One plain shape of a scoreboard for the API, the CLI and the digest, and its text forms."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

from .shapes import CommitmentScore, Figure, Scoreboard


def _number(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def _figure_data(figure: Figure) -> dict[str, Any]:
    return {
        "value": _number(figure.value),
        "numerator": figure.numerator,
        "denominator": figure.denominator,
    }


def commitment_data(score: CommitmentScore) -> dict[str, Any]:
    c = score.commitment
    return {
        "id": c.pk,
        "kind": c.kind,
        "label": c.get_kind_display(),
        "team": c.team,
        "unit": "percent" if score.is_rate else "count",
        "product_line": c.product_line,
        "segment": c.segment,
        "target": _number(score.target),
        "actual": _figure_data(score.actual),
        "projected": _number(score.projected),
        "on_track": score.on_track,
        "split_by": score.split_by,
        "people": [
            {
                "user_id": p.user_id,
                "name": p.name,
                **_figure_data(p.figure),
                "on_track": p.on_track,
            }
            for p in score.people
        ],
    }


def board_data(board: Scoreboard) -> dict[str, Any]:
    period, agreement = board.period, board.agreement
    return {
        "period": {
            "key": period.key,
            "kind": period.kind,
            "label": period.label,
            "start": period.start,
            "end": period.end,
            "elapsed_share": _number(board.elapsed),
        },
        "agreement": None
        if agreement is None
        else {"id": agreement.pk, "version": agreement.version, "title": agreement.title},
        "teams": [
            {
                "team": t.team,
                "label": t.label,
                "commitments": [commitment_data(s) for s in t.commitments],
            }
            for t in board.teams
        ],
        "black_hole": {
            "count": board.black_hole_count,
            "items": [
                {
                    "lead_id": row.lead.pk,
                    "lead": str(row.lead.contact),
                    "owner": row.owner.username if row.owner else None,
                    "missing": row.missing,
                    "due_at": row.due_at,
                    "overdue_seconds": int(row.overdue.total_seconds()),
                }
                for row in board.black_hole
            ],
        },
        "breaches": {
            "count": board.breach_count,
            "items": [
                {
                    "clock_id": clock.pk,
                    "lead_id": clock.lead_id,
                    "lead": str(clock.lead.contact),
                    "owner": clock.owner.username if clock.owner else None,
                    "commitment": clock.commitment.kind,
                    "due_at": clock.due_at,
                    "breached_at": clock.breached_at,
                }
                for clock in board.breaches
            ],
        },
    }


CSV_FIELDS = [
    "team",
    "commitment",
    "unit",
    "person",
    "target",
    "actual",
    "numerator",
    "denominator",
    "projected",
    "on_track",
]


def flat_rows(board: Scoreboard) -> list[dict[str, Any]]:
    """One row per commitment and per person, for CSV and plain text."""
    rows = []
    for team in board.teams:
        for score in team.commitments:
            data = commitment_data(score)
            base = {"team": team.team, "commitment": data["kind"], "unit": data["unit"]}
            rows.append(
                {
                    **base,
                    "person": "",
                    "target": data["target"],
                    "actual": data["actual"]["value"],
                    "numerator": data["actual"]["numerator"],
                    "denominator": data["actual"]["denominator"],
                    "projected": data["projected"],
                    "on_track": data["on_track"],
                }
            )
            for p in data["people"]:
                rows.append(
                    {
                        **base,
                        "person": p["name"] or "(none)",
                        "target": data["target"] if score.is_rate else None,
                        "actual": p["value"],
                        "numerator": p["numerator"],
                        "denominator": p["denominator"],
                        "projected": None,
                        "on_track": p["on_track"],
                    }
                )
    return rows


def describe_overdue(overdue: timedelta) -> str:
    """`2 d 3 h`, `5 h 10 min`, `40 min`: wall-clock time since the clock fell due."""
    minutes = max(int(overdue.total_seconds() // 60), 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min"


PACE_WORDS = {True: "on track", False: "behind", None: "no data"}


def _cell(value: str | None, unit: str) -> str:
    if value is None:
        return "no data" if unit == "percent" else "-"
    return f"{value} %" if unit == "percent" else value


def text_rows(board: Scoreboard) -> list[list[str]]:
    """The scoreboard as rows of plain-text cells, with a header row first."""
    lines = [["team", "commitment", "person", "target", "actual", "of", "projected", "pace"]]
    for row in flat_rows(board):
        unit = row["unit"]
        person = row["person"]
        lines.append(
            [
                "" if person else row["team"],
                "" if person else row["commitment"],
                person,
                "" if row["target"] is None else _cell(row["target"], unit),
                _cell(row["actual"], unit),
                "" if row["denominator"] is None else f"{row['numerator']}/{row['denominator']}",
                row["projected"] or "",
                "" if person and unit == "count" else PACE_WORDS[row["on_track"]],
            ]
        )
    return lines


def text_table(board: Scoreboard) -> str:
    rows = text_rows(board)
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(r, widths, strict=True)).rstrip()
        for r in rows
    )


def text_summary(board: Scoreboard) -> str:
    """The heading, the table, the black hole and the breaches, as plain text."""
    period, agreement = board.period, board.agreement
    elapsed = (board.elapsed * 100).quantize(Decimal(1))
    lines = [f"Scoreboard for {period.label} ({period.key}), {elapsed} % of the period elapsed."]
    if agreement is None:
        lines.append("No signed agreement was in force during this period.")
    else:
        lines += [f"Agreement: {agreement.title} (v{agreement.version}).", "", text_table(board)]
    lines += ["", f"Black hole: {board.black_hole_count} lead(s) overdue with sales."]
    for row in board.black_hole:
        owner = row.owner.display_name if row.owner else "nobody"
        overdue = describe_overdue(row.overdue)
        missing = " and ".join(row.missing)
        lines.append(
            f"  - {row.lead.contact} (lead {row.lead.pk}), {owner}: no {missing}, {overdue} overdue"
        )
    lines += ["", f"Breaches in the period: {board.breach_count}."]
    for clock in board.breaches:
        owner = clock.owner.display_name if clock.owner else "nobody"
        lines.append(
            f"  - {clock.lead.contact} (lead {clock.lead_id}), {owner}: {clock.commitment.kind}"
        )
    return "\n".join(lines)
