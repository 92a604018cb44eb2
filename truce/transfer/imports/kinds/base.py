"""What every kind of import shares: row problems, counts, the references rows point into, the
Writer interface, and recording a change to an existing record."""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Model

from truce.funnel.models import Reason, Stage
from truce.identity.models import Role
from truce.touches.models import Campaign

from ..writing import Batch

Row = tuple[int, dict[str, Any]]  # (line, values)
MQL_STAGE = "mql"
COMPANY_FIELDS = {"company_name": "name", "industry": "industry", "employees": "employees",
                  "company_country": "country"}  # fmt: skip
CONTACT_FIELDS = ("email", "first_name", "last_name", "phone", "title", "country")
LEAD_FIELDS = ("source", "product_line", "amount")
CAMPAIGN_FIELDS = ("channel", "product_line", "budget", "starts_on", "ends_on")


class RowProblem(Exception):
    """A bad row; or, with `warning`, a row imported as it is but worth a look."""

    def __init__(self, column_field: str, reason: str, *, warning: bool = False) -> None:
        super().__init__(reason)
        self.field, self.reason, self.warning = column_field, reason, warning


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class References:
    """The small tables rows point into, loaded once per import."""

    stages: dict[str, Stage] = field(default_factory=dict)
    first_stage: Stage | None = None
    users: dict[str, int] = field(default_factory=dict)
    campaigns: dict[str, int] = field(default_factory=dict)
    create_campaigns: bool = False
    missing_campaigns: set[str] = field(default_factory=set)  # seen by the checks, to create
    create_owners: bool = False
    reasons: dict[tuple[str, str], int] = field(default_factory=dict)  # (kind, key/label)
    won_stage: Stage | None = None
    mql_position: int | None = None

    def handed_over(self, stage: Stage) -> bool:
        """A lead imported at the MQL stage or beyond was handed to sales when it began."""
        return self.mql_position is not None and stage.position >= self.mql_position

    @classmethod
    def load(cls, *, create_campaigns: bool, create_owners: bool = False) -> "References":
        refs = cls(create_campaigns=create_campaigns, create_owners=create_owners)
        for pk, kind, key, label in Reason.objects.filter(is_active=True).values_list(
            "pk", "kind", "key", "label"
        ):
            refs.reasons[(kind, key.lower())] = pk
            refs.reasons.setdefault((kind, label.lower()), pk)
        refs.won_stage = (
            Stage.objects.filter(is_active=True, is_won=True).order_by("position").first()
        )
        for stage in Stage.objects.filter(is_active=True).order_by("position"):
            refs.stages.setdefault(stage.key.lower(), stage)
            refs.stages.setdefault(stage.name.lower(), stage)
            if refs.first_stage is None and not stage.is_won:
                refs.first_stage = stage
        mql = refs.stages.get(MQL_STAGE)
        refs.mql_position = mql.position if mql else None
        for pk, username, email in get_user_model().objects.values_list("pk", "username", "email"):
            refs.users[username.lower()] = pk
            if email:
                refs.users.setdefault(email.lower(), pk)
        refs.campaigns = dict(Campaign.objects.values_list("name", "pk"))
        return refs

    def stage(self, name: str) -> Stage:
        stage = self.stages.get(name.lower())
        if stage is None:
            raise RowProblem("stage", f"{name!r} is not a stage of the funnel.")
        if stage.is_won:
            raise RowProblem("stage", f"A lead cannot start in {stage.name}.")
        return stage

    def user(self, name: str, field_name: str = "owner") -> int | None:
        """The user's id; None for one to be created (owners, when the mapping allows it)."""
        pk = self.users.get(name.lower())
        if pk is None and not (self.create_owners and field_name == "owner"):
            raise RowProblem(field_name, f"No user with the username or email {name!r}.")
        return pk

    def owner_id(self, name: str, batch: Batch, now: int, line: int) -> int:
        """The owner's id, creating the user first when the mapping allows it: an inactive
        sales rep with no password (a person known from history, not a login)."""
        pk = self.users.get(name.lower())
        if pk is None:
            user = get_user_model().objects.create(
                username=name[:150], role=Role.SALES_REP, is_active=False, password="!"
            )
            pk = self.users[name.lower()] = user.pk
            payload = {"username": user.username, "role": user.role, "active": False}
            batch.event("user.created", now, "user", pk, payload, line=line)
        return pk

    def reason(self, kind: str, name: str) -> int:
        pk = self.reasons.get((kind, name.lower()))
        if pk is None:
            raise RowProblem("reason", f"{name!r} is not in the {kind} reason list.")
        return pk

    def campaign(self, name: str) -> int | None:
        """The campaign's id; None for one to be created (when the mapping allows it)."""
        pk = self.campaigns.get(name)
        if pk is None and self.create_campaigns:
            self.missing_campaigns.add(name)
        if pk is None and not self.create_campaigns:
            raise RowProblem(
                "campaign",
                f'No campaign named {name!r} (add "create_missing": ["campaign"] to the '
                "mapping's options to create it).",
            )
        return pk


def jsonable(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


def changes_of(current: dict[str, Any], wanted: dict[str, Any]) -> dict[str, list[Any]]:
    return {
        name: [jsonable(current.get(name)), jsonable(value)]
        for name, value in wanted.items()
        if value is not None and current.get(name) != value
    }


def update_record(
    batch: Batch, model: type[Model], pk: int, changes: dict[str, list[Any]], at: int
) -> None:
    values = {name: new for name, (_, new) in changes.items()}
    batch.update(model, pk, {**values, "updated_at": Batch.moment(at)})


def apply_changes(
    model: type[Model],
    pk: int,
    current: dict[str, Any],
    wanted: dict[str, Any],
    *,
    batch: Batch,
    now: int,
    line: int,
    counts: Counts | None,
    dry_run: bool,
) -> None:
    """Update an existing record with what the row changes, counted as updated or unchanged,
    with its `<model>.updated` event listing old and new values."""
    diff = changes_of(current, wanted)
    if counts is not None:
        counts.updated += bool(diff)
        counts.unchanged += not diff
    if diff and not dry_run:
        update_record(batch, model, pk, diff, now)
        subject = model._meta.model_name
        batch.event(f"{subject}.updated", now, str(subject), pk, {"changes": diff}, line=line)


class Writer:
    kind: str
    # Batches may be built in another process, ahead of their writing: `apply` only reads the
    # database and puts every change in the batch.
    pipelined = False

    def __init__(self, refs: References) -> None:
        from .people import Seen  # people builds on this module

        self.refs = refs
        self.seen = Seen()

    def check(self, values: dict[str, Any]) -> dict[str, Any]:
        """Normalise keys and resolve references; raise RowProblem for a bad row."""
        return values

    def key(self, values: dict[str, Any]) -> str | None:
        """The row's identity inside the file: two rows with one key are a duplicate."""
        return None

    def check_many(self, rows: list[Row]) -> dict[int, RowProblem]:
        """Checks that need the database, for a chunk of rows at once: {line: problem}."""
        return {}

    def apply(self, rows: list[Row], batch: Batch, now: int, *, dry_run: bool) -> Counts:
        raise NotImplementedError
