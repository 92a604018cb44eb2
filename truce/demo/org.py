"""The demo organisation: two teams, a dozen people and twenty campaigns."""

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import make_password

from truce.identity.models import Role, TeamKey, User
from truce.identity.services import ensure_teams
from truce.ledger.bulk import BulkEvent, TimeText, payload_text
from truce.touches.models import Campaign

DEMO_PASSWORD = "truce-demo"
_DAY = 86400

# username, first name, last name, role, manager's username
USERS = [
    ("admin", "Ada", "Admin", Role.ADMIN, None),
    ("mona", "Mona", "Marsh", Role.MARKETING_OWNER, None),
    ("mark", "Mark", "Mendez", Role.MARKETER, "mona"),
    ("mia", "Mia", "Moreau", Role.MARKETER, "mona"),
    ("max", "Max", "Muller", Role.MARKETER, "mona"),
    ("sam", "Sam", "Sutton", Role.SALES_OWNER, None),
    ("sara", "Sara", "Silva", Role.SALES_REP, "sam"),
    ("sean", "Sean", "Shaw", Role.SALES_REP, "sam"),
    ("sofia", "Sofia", "Santos", Role.SALES_REP, "sam"),
    ("steve", "Steve", "Stone", Role.SALES_REP, "sam"),
    ("sunny", "Sunny", "Singh", Role.SALES_REP, "sam"),
    ("vera", "Vera", "Vance", Role.VIEWER, None),
]
_TEAM = {
    Role.MARKETING_OWNER: TeamKey.MARKETING,
    Role.MARKETER: TeamKey.MARKETING,
    Role.SALES_OWNER: TeamKey.SALES,
    Role.SALES_REP: TeamKey.SALES,
}
PRODUCT_LINES = ["Platform", "Analytics", "Services"]
CHANNELS = ["paid_search", "paid_social", "email", "webinar", "events", "content", "partner"]
_CAMPAIGN_THEMES = ["launch", "nurture", "retargeting", "roadshow", "spotlight", "push"]


@dataclass
class DemoCampaign:
    id: int
    channel: str
    product_line: str
    owner_id: int | None
    starts: int  # epoch seconds
    ends: int


@dataclass
class Org:
    users: dict[str, int]
    marketers: list[int]
    reps: list[int]
    sales_owner: int
    campaigns: list[DemoCampaign]
    events: list[BulkEvent] = field(default_factory=list)

    def credentials(self) -> list[tuple[str, str, str]]:
        return demo_credentials()


def _users(at: int) -> tuple[dict[str, int], list[BulkEvent]]:
    teams = ensure_teams()
    existing = {u.username: u for u in User.objects.filter(username__in=[u[0] for u in USERS])}
    hashed = make_password(DEMO_PASSWORD)  # once: hashing is ~0.25 s a time
    events = []
    for username, first, last, role, manager in USERS:
        if username in existing:
            continue
        team = teams[_TEAM[role]] if role in _TEAM else None
        user = User.objects.create(
            username=username,
            password=hashed,
            first_name=first,
            last_name=last,
            email=f"{username}@truce-demo.example",
            role=role,
            team=team,
            manager=existing.get(manager) if manager else None,
            is_staff=role == Role.ADMIN,
            is_superuser=role == Role.ADMIN,
        )
        existing[username] = user
        payload = {"username": username, "role": str(role), "team": team.key if team else None}
        events.append(
            BulkEvent("user.created", at, None, "user", user.pk, None, payload_text(payload))
        )
    return {name: user.pk for name, user in existing.items()}, events


def _campaign_specs(rng: random.Random, start: int, end: int) -> list[dict[str, Any]]:
    specs = []
    span_days = (end - start) // _DAY
    for n in range(20):
        channel = CHANNELS[n % len(CHANNELS)]
        line = PRODUCT_LINES[n % len(PRODUCT_LINES)]
        first_day = -30 + (n * (span_days + 20)) // 20
        length = rng.randint(30, 90)
        starts = _day(start + first_day * _DAY)
        ends = _day(start + (first_day + length) * _DAY)
        theme = _CAMPAIGN_THEMES[n % len(_CAMPAIGN_THEMES)]
        specs.append(
            {
                "name": f"{line} {channel.replace('_', ' ')} {theme} {starts:%b %Y}",
                "channel": channel,
                "product_line": line,
                "budget": Decimal(rng.randrange(50, 800) * 100).quantize(Decimal("0.01")),
                "starts_on": starts,
                "ends_on": ends,
            }
        )
    return specs


def _day(t: int) -> date:
    return datetime.fromtimestamp(t, UTC).date()


def _epoch(day: date) -> int:
    return (day - date(1970, 1, 1)).days * _DAY


def _campaigns(
    rng: random.Random, start: int, end: int, marketers: list[int], times: TimeText
) -> tuple[list[DemoCampaign], list[BulkEvent]]:
    campaigns, events = [], []
    for n, spec in enumerate(_campaign_specs(rng, start, end)):
        owner = marketers[n % len(marketers)]
        found = Campaign.objects.filter(name=spec["name"]).first()
        if found is None:
            at = _epoch(spec["starts_on"]) - 7 * _DAY
            moment = datetime.fromtimestamp(at, UTC)
            found = Campaign.objects.create(
                owner_id=owner, created_at=moment, updated_at=moment, **spec
            )
            payload = {
                **{k: str(v) if not isinstance(v, str) else v for k, v in spec.items()},
                "owner": owner,
            }
            events.append(
                BulkEvent(
                    "campaign.created", at, owner, "campaign", found.pk, None, payload_text(payload)
                )
            )
        campaigns.append(
            DemoCampaign(
                id=found.pk,
                channel=found.channel,
                product_line=found.product_line,
                owner_id=found.owner_id,
                starts=_epoch(found.starts_on) if found.starts_on else start,
                ends=_epoch(found.ends_on) + _DAY if found.ends_on else end,
            )
        )
    return campaigns, events


def build_org(*, seed: int, start: int, end: int, times: TimeText) -> Org:
    """Create whatever of the organisation is missing and return its ids."""
    rng = random.Random(f"{seed}:org")
    users, events = _users(start - 60 * _DAY)
    marketers = [users[u[0]] for u in USERS if u[3] in (Role.MARKETER, Role.MARKETING_OWNER)]
    campaigns, campaign_events = _campaigns(rng, start, end, marketers, times)
    return Org(
        users=users,
        marketers=marketers,
        reps=[users[u[0]] for u in USERS if u[3] == Role.SALES_REP],
        sales_owner=users["sam"],
        campaigns=campaigns,
        events=events + campaign_events,
    )


def demo_credentials() -> list[tuple[str, str, str]]:
    """Every demo user's username, role and password, as printed by `truce demo`."""
    return [(username, role.label, DEMO_PASSWORD) for username, _, _, role, _ in USERS]
