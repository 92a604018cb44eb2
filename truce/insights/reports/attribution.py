"""Attribution: what campaigns (or channels) earned of the period's won revenue, leads, MQLs,
opportunities or customers, under one of seven models. The arithmetic is in
truce/insights/attribution/; definitions with formulas: docs/explanation/attribution.md."""

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from truce.touches.models import Campaign

from ..attribution.options import Choice, choose
from ..attribution.query import Ask, Credit, Credits, credits
from ..attribution.values import shown
from ..facts.source import FactsSource
from .base import Column, Query, Table, register

NO_TOUCH = "(no touch)"
NO_CAMPAIGN = "(no campaign)"
NO_CHANNEL = "(none)"
TENTH = Decimal("0.1")
MODEL_NOTES = {
    "first_touch": "all to the first touch",
    "last_touch": "all to the last touch before the conversion",
    "linear": "equal shares to every touch",
    "u_shaped": "40 % first touch, 40 % lead creation, 20 % spread between them",
    "w_shaped": "30 % each first touch, lead creation, opportunity creation; 10 % between",
    "full_path": "22.5 % each first touch, lead creation, opportunity, close; 10 % between",
    "time_decay": "2^(-age / half-life), age in days before the conversion",
}


@register("attribution")
def attribution(query: Query, source: FactsSource) -> Table:
    """Attribution: credit for revenue and conversions to campaigns or channels, by model."""
    choice = choose(query.options, query.by)
    ask = Ask(
        model=choice.model,
        value=choice.value,
        half_life_days=choice.half_life_days,
        start=query.start,
        end=query.end,
    )
    found = credits(ask, source)
    rows = _rows(choice, found)
    return Table(
        name="attribution",
        title=f"Attribution of {choice.value.label.lower()} by {choice.by} ({choice.model})",
        columns=[
            Column("group", choice.by.capitalize()),
            Column("credit", choice.value.label, "decimal"),
            Column("share", "Share", "percent"),
            Column("touches", "Touches credited", "int"),
        ],
        rows=rows,
        notes=_notes(choice, found),
        chart={"type": "bar", "x": "group", "y": ["credit"]},
    )


def _rows(choice: Choice, found: Credits) -> list[dict[str, Any]]:
    totals: dict[str, list[int]] = {}
    names = _names(choice.by, found.rows)
    for credit in found.rows:
        key = names[(credit.campaign_id, credit.channel)]
        units, touches = totals.setdefault(key, [0, 0])
        totals[key] = [units + credit.units, touches + credit.touches]
    untouched = found.total_units - sum(units for units, _ in totals.values())
    if untouched:
        totals[NO_TOUCH] = [untouched, 0]
    ordered = sorted(totals.items(), key=lambda kv: (-kv[1][0], kv[0].lower()))
    return [
        {
            "group": key,
            "credit": shown(units, choice.value),
            "share": _percent(units, found.total_units),
            "touches": touches,
        }
        for key, (units, touches) in ordered
    ]


def _names(by: str, rows: list[Credit]) -> dict[tuple[int | None, str], str]:
    """A touch's campaign by name; its channel is its own, else its campaign's."""
    ids = {r.campaign_id for r in rows if r.campaign_id is not None}
    campaigns = {c.pk: c for c in Campaign.objects.filter(pk__in=ids).only("name", "channel")}
    names = {}
    for r in rows:
        campaign = campaigns.get(r.campaign_id) if r.campaign_id is not None else None
        if by == "campaign":
            name = campaign.name if campaign else NO_CAMPAIGN
        else:
            name = r.channel or (campaign.channel if campaign else "") or NO_CHANNEL
        names[(r.campaign_id, r.channel)] = name
    return names


def _percent(units: int, total: int) -> Decimal | None:
    if not total:
        return None
    return (Decimal(100 * units) / total).quantize(TENTH, ROUND_HALF_UP)


def _notes(choice: Choice, found: Credits) -> list[str]:
    model = MODEL_NOTES[choice.model]
    if choice.model == "time_decay":
        model += f", half-life {choice.half_life_days:g} days"
    return [
        f"Model {choice.model}: {model}.",
        f"{found.leads} leads earned {shown(found.total_units, choice.value)} "
        f"({choice.value.label.lower()}) in the period; each lead's credits sum to its value.",
        f"Only marketing touches up to the conversion earn credit; {NO_TOUCH} is the value of "
        "leads with none.",
    ]
