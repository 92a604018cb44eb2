"""Reference data the reducer reads besides the ledger: ids and positions of stages by their
permanent keys, reason ids by (kind, key), and each user's team.

Stage and reason keys never change meaning, so looking them up now gives what they meant
then. A user's team is not in the ledger (the admin edits it without an event), so an owner's
team is the current one: facts say "the team of the lead's owner", and a change of team is
carried to the owner's leads at once (see `services.follow_team_change`).

Each part is read on first use: a touch, the most common event, needs none of them.
"""

from functools import cached_property

from truce.agreements.scoreboard.shapes import OPPORTUNITY_STAGE
from truce.funnel.models import Reason, Stage
from truce.identity.models import User

MQL_STAGE = "mql"


class Reference:
    def __init__(self, *, with_teams: bool = True) -> None:
        """Users' teams all at once (a rebuild), or each as it is asked for (live upkeep)."""
        self.teams: dict[int, str | None] = (
            dict(User.objects.values_list("pk", "team__key")) if with_teams else {}
        )

    @classmethod
    def load(cls, *, with_teams: bool = True) -> "Reference":
        return cls(with_teams=with_teams)

    @cached_property
    def _stages(self) -> list[tuple[int, str, int, bool]]:
        return list(Stage.objects.values_list("pk", "key", "position", "is_won"))

    @cached_property
    def stages(self) -> dict[str, int]:
        return {key: pk for pk, key, _, _ in self._stages}

    @cached_property
    def positions(self) -> dict[int, int]:
        return {pk: position for pk, _, position, _ in self._stages}

    @cached_property
    def reasons(self) -> dict[tuple[str, str], int]:
        rows = Reason.objects.values_list("pk", "kind", "key")
        return {(kind, key): pk for pk, kind, key in rows}

    @cached_property
    def mql_position(self) -> int | None:
        return self.positions.get(self.stages.get(MQL_STAGE, -1))

    @cached_property
    def opportunity_stage_id(self) -> int | None:
        return self.stages.get(OPPORTUNITY_STAGE)

    @cached_property
    def won_stage_id(self) -> int | None:
        """The first won stage by position: where older won events without `won_stage` went."""
        won = sorted((position, pk) for pk, _, position, is_won in self._stages if is_won)
        return won[0][1] if won else None

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
            self.teams[user_id] = found
        return self.teams[user_id] or ""
