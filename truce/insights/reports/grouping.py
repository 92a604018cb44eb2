"""The fields a report can group by (`--by`): the facts column each reads and how a value
is shown (names for ids: campaigns, owners, stages)."""

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model

from truce.funnel.models import Stage
from truce.touches.models import Campaign

from ..errors import InvalidReportQuery

COLUMNS = {
    "period": "cohort",
    "source": "source",
    "campaign": "campaign_id",
    "product_line": "product_line",
    "owner": "owner_id",
    "team": "team",
    "stage": "outcome_stage_id",
}
NONE_LABEL = "(none)"


def group_column(by: str | None, allowed: Iterable[str], alias: str = "l") -> str:
    """The SQL expression a report groups on; a constant when it is not grouped."""
    allowed = tuple(allowed)
    if by is None or by == "":
        return "''"
    if by not in allowed:
        choices = ", ".join(allowed) or "nothing"
        raise InvalidReportQuery(f"This report groups by {choices}, not {by!r}.", field="by")
    return f"{alias}.{COLUMNS[by]}"


def labels(by: str | None, keys: Iterable[Any]) -> dict[Any, str]:
    """What each group key is called on the page: one query for the ids that need a name."""
    ids = [k for k in set(keys) if k not in (None, "")]
    names: dict[Any, str] = {}
    if by == "campaign":
        names = dict(Campaign.objects.filter(pk__in=ids).values_list("pk", "name"))
    elif by == "owner":
        names = {u.pk: u.display_name for u in get_user_model().objects.filter(pk__in=ids)}
    elif by == "stage":
        names = dict(Stage.objects.filter(pk__in=ids).values_list("pk", "name"))
    return {k: names.get(k, NONE_LABEL if k in (None, "") else str(k)) for k in set(keys)}
