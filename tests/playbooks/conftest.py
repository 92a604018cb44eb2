"""Playbook fixtures: owners of either team, and playbooks made through the service."""

from typing import Any

import pytest

from truce.identity.models import Role
from truce.ledger.models import Event
from truce.playbooks import services
from truce.playbooks.models import Playbook, PlaybookVersion, Review, ReviewReminder, Step

STEPS = [
    {"who": "Sales rep", "what": "Call the lead.", "why": "Speed wins deals."},
    {"who": "Sales rep", "what": "Log the call.", "why": "The SLA reads touches."},
]


@pytest.fixture
def mona(make_user):
    return make_user(Role.MARKETING_OWNER, username="mona", email="mona@example.com")


@pytest.fixture
def make_playbook(mona):
    def make(key: str = "first-call", **fields: Any) -> Playbook:
        fields.setdefault("title", "First call")
        fields.setdefault("purpose", "How a rep makes the first call.")
        fields.setdefault("steps", STEPS)
        fields.setdefault("owner", mona)
        return services.create_playbook(actor=fields.pop("actor", mona), key=key, **fields)

    return make


@pytest.fixture
def counts():
    """Rows a playbook write could leave, to assert that a refusal left none."""

    def snapshot() -> dict[str, int]:
        return {
            "playbooks": Playbook.objects.count(),
            "versions": PlaybookVersion.objects.count(),
            "steps": Step.objects.count(),
            "reviews": Review.objects.count(),
            "reminders": ReviewReminder.objects.count(),
            "events": Event.objects.count(),
        }

    return snapshot
