"""What `truce demo` seeds for playbooks: called after the demo agreement. The templates, owned
by the marketing owner; one of them edited once (so history has a diff to show) and reviewed,
and two of them due for review (so the due page and the reminder have something to show)."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from truce.identity.models import Role, User

from . import services
from .models import Playbook
from .seeds import install_templates


def _user(role: str) -> User | None:
    return User.objects.filter(role=role, is_active=True).order_by("pk").first()


@transaction.atomic
def install_demo_playbooks() -> None:
    owner, sales = _user(Role.MARKETING_OWNER), _user(Role.SALES_OWNER)
    today = timezone.localdate()
    due = {"creating-content": today - timedelta(days=3), "evaluating-processes": today}
    created = {p.key: p for p in install_templates(actor=owner, owner=owner, due_dates=due)}
    journey = created.get("customer-journey-sales")
    if journey is not None and sales is not None:
        _edit_and_review(journey, sales, [u for u in (owner, sales) if u is not None])


def _edit_and_review(playbook: Playbook, actor: User, attendees: list[User]) -> None:
    steps = services.current_values(playbook)["steps"]
    steps[0] = {
        **steps[0],
        "what": steps[0]["what"] + " Call first; email only if the call is not answered.",
    }
    services.edit_playbook(
        playbook=playbook,
        actor=actor,
        change_note="First touch is a call: calls connected twice as often as emails.",
        changes={"steps": steps, "review_cadence_days": 60},
    )
    services.record_review(
        playbook=playbook,
        actor=actor,
        attendees=attendees,
        what_changed="First touch is now a call, email the fallback; reviewed every 60 days.",
        what_removed="Nothing removed: every step's why still held.",
    )
