"""The scoreboard: for a period, every commitment of the agreement in force with its target,
actual and pace, per team and per person, plus the black-hole list and the period's breaches.

Read only, and set-based: a fixed number of aggregate queries, each an index range grouped by
owner, so its cost does not grow with a loop over leads. The definitions are in
docs/explanation/scoreboard.md. The parts: `periods`, `shapes` (what a board is made of),
`figures` (aggregates, targets, pace), `lists` (black hole, breaches, leads behind a figure),
`board` (the whole board) and `render` (the plain shape for the API, the CLI and the digest).
"""

from .board import agreement_for, scoreboard
from .figures import board_target, campaign_figures, clock_figures, lead_figures, pace
from .lists import black_hole, breaches, get_commitment, leads_behind, leads_query
from .periods import PERIOD_HELP, BoardPeriod, InvalidPeriod, parse_period, period_containing
from .render import (
    CSV_FIELDS,
    board_data,
    commitment_data,
    describe_overdue,
    flat_rows,
    text_rows,
    text_summary,
    text_table,
)
from .shapes import CommitmentScore, Figure, OverdueLead, PersonScore, Scoreboard, TeamScore

__all__ = [
    "CSV_FIELDS",
    "PERIOD_HELP",
    "BoardPeriod",
    "CommitmentScore",
    "Figure",
    "InvalidPeriod",
    "OverdueLead",
    "PersonScore",
    "Scoreboard",
    "TeamScore",
    "agreement_for",
    "black_hole",
    "board_data",
    "board_target",
    "breaches",
    "campaign_figures",
    "clock_figures",
    "commitment_data",
    "describe_overdue",
    "flat_rows",
    "get_commitment",
    "lead_figures",
    "leads_behind",
    "leads_query",
    "pace",
    "parse_period",
    "period_containing",
    "scoreboard",
    "text_rows",
    "text_summary",
    "text_table",
]
