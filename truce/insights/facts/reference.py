"""Reference data the reducer reads besides the ledger: ids and positions of stages by their
permanent keys, reason ids by (kind, key), and each user's team.

Stage and reason keys never change meaning, so looking them up now gives what they meant
then. A user's team is not in the ledger (the admin edits it without an event), so an owner's
team is the current one: facts say "the team of the lead's owner", and a change of team is
carried to the owner's leads at once (see `services.follow_team_change`).
"""

from dataclasses import dataclass, field

from truce.agreements.scoreboard.shapes import OPPORTUNITY_STAGE
from truce.funnel.models import Reason, Stage
from truce.identity.models import User

MQL_STAGE = "mql"


@dataclass
class Reference:
    stages: dict[str, int]
    positions: dict[int, int]
    reasons: dict[tuple[str, str], int]
    mql_position: int | None
    opportunity_stage_id: int | None
    won_stage_id: int | None
    teams: dict[int, str | None] = field(default_factory=dict)

    @classmethod
    def load(cls, *, with_teams: bool = True) -> "Reference":
        """Everything at once (a rebuild), or users' teams only as they are asked for."""
        rows = list(Stage.objects.values_list("pk", "key", "position", "is_won"))
        stages = {key: pk for pk, key, _, _ in rows}
        positions = {pk: position for pk, _, position, _ in rows}
        won = sorted((position, pk) for pk, _, position, is_won in rows if is_won)
        return cls(
            stages=stages,
            positions=positions,
            reasons=_reasons(),
            mql_position=positions.get(stages.get(MQL_STAGE, -1)),
            opportunity_stage_id=stages.get(OPPORTUNITY_STAGE),
            won_stage_id=won[0][1] if won else None,
            teams=dict(User.objects.values_list("pk", "team__key")) if with_teams else {},
        )

    def stage_id(self, key: str | None) -> int | None:
        return self.stages.get(key) if key else None

    def position(self, stage_id: int | None) -> int | None:
        return self.positions.get(stage_id) if stage_id is not None else None

    def reason_id(self, kind: str, key: str | None) -> int | None:
        return self.reasons.get((kind, key)) if key else None

    def team(self, user_id: int | None) -> str:
        if user_id is None:
            return ""
        if user_id not in self.teams:  # a user created since this was loaded
            found = User.objects.filter(pk=user_id).values_list("team__key", flat=True).first()
            self.teams[user_id] = found or ""
        return self.teams[user_id] or ""


def _reasons() -> dict[tuple[str, str], int]:
    return {(kind, key): pk for pk, kind, key in Reason.objects.values_list("pk", "kind", "key")}
