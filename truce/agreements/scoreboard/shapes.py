"""What a scoreboard is made of: figures, scores per commitment, team and person, and the lists."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from truce.funnel.models import Lead

from ..models import Agreement, Clock, Commitment, CommitmentKind, Period
from .periods import BoardPeriod

OPPORTUNITY_STAGE = "presenting"
COUNTS = {CommitmentKind.MQL_VOLUME, CommitmentKind.CAMPAIGN_COUNT}
TIME_BOUND = {
    CommitmentKind.FIRST_TOUCH,
    CommitmentKind.TOUCHES,
    CommitmentKind.DISPOSITION,
    CommitmentKind.OUTCOME,
}
BLACK_HOLE_KINDS = (CommitmentKind.DISPOSITION, CommitmentKind.FIRST_TOUCH)
# Count targets are per the commitment's period; scaled to the board's by these lengths.
WEEKS_IN = {Period.WEEK: Decimal(1), Period.MONTH: Decimal(52) / 12, Period.QUARTER: Decimal(13)}
LIST_LIMIT = 50
TENTH = Decimal("0.1")


@dataclass(frozen=True)
class Figure:
    """A count (no denominator) or a rate: numerator out of denominator, in percent."""

    numerator: int
    denominator: int | None = None

    @property
    def value(self) -> Decimal | None:
        if self.denominator is None:
            return Decimal(self.numerator)
        if self.denominator == 0:
            return None  # no data: a rate of nothing is not 0 %
        return (Decimal(100 * self.numerator) / self.denominator).quantize(TENTH, ROUND_HALF_UP)

    def __add__(self, other: "Figure") -> "Figure":
        if self.denominator is None:
            return Figure(self.numerator + other.numerator)
        return Figure(self.numerator + other.numerator, self.denominator + (other.denominator or 0))


@dataclass
class PersonScore:
    user_id: int | None
    name: str
    figure: Figure
    on_track: bool | None


@dataclass
class CommitmentScore:
    commitment: Commitment
    target: Decimal
    actual: Figure
    projected: Decimal | None
    on_track: bool | None
    people: list[PersonScore] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return self.commitment.kind

    @property
    def is_rate(self) -> bool:
        return self.commitment.kind not in COUNTS

    @property
    def split_by(self) -> str:
        return "owner" if self.commitment.kind in TIME_BOUND else "campaign owner"


@dataclass
class TeamScore:
    team: str
    label: str
    commitments: list[CommitmentScore]


@dataclass
class OverdueLead:
    lead: Lead
    owner: Any
    missing: list[str]
    due_at: datetime
    overdue: timedelta


@dataclass
class Scoreboard:
    period: BoardPeriod
    now: datetime
    elapsed: Decimal
    agreement: Agreement | None
    teams: list[TeamScore]
    black_hole: list[OverdueLead]
    black_hole_count: int
    breaches: list[Clock]
    breach_count: int
