"""Background jobs that send email. They take ids, and a claim on the row makes a retried or
duplicated job send nothing twice."""

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django_tasks import task

from truce.agreements.models import Clock

CLAIM_FIELD = {"breach": "notified_at", "escalation": "escalation_notified_at"}


def _recipients(clock: Clock, kind: str) -> list[str]:
    owner = clock.owner
    people = [owner, owner.manager if owner else None]
    if kind == "escalation" and owner and owner.manager:
        people.append(owner.manager.manager)
    return sorted({p.email for p in people if p is not None and p.email})


def notify_clock(*, clock_id: int, kind: str) -> int:
    """Email the owner and their manager (and the manager's manager on escalation)."""
    field = CLAIM_FIELD[kind]
    with transaction.atomic():
        claimed = Clock.objects.filter(pk=clock_id, **{f"{field}__isnull": True}).update(
            **{field: timezone.now()}
        )
        if not claimed:
            return 0
        clock = Clock.objects.select_related(
            "owner__manager__manager", "commitment", "lead__contact"
        ).get(pk=clock_id)
        recipients = _recipients(clock, kind)
        if not recipients:
            return 0
        context = {
            "clock": clock,
            "kind": kind,
            "lead": clock.lead,
            "base_url": settings.TRUCE_BASE_URL,
        }
        subject = render_to_string("notify/clock_subject.txt", context).strip()
        body = render_to_string("notify/clock_body.txt", context)
        # Sent inside the claim: if sending fails the claim rolls back and a retry sends.
        return send_mail(subject, body, None, recipients)


@task()
def send_clock_notifications(*, clock_ids: list[int], kind: str) -> int:
    """One job per swept batch; returns how many emails went out."""
    return sum(notify_clock(clock_id=clock_id, kind=kind) for clock_id in clock_ids)


@task()
def send_scoreboard_digest() -> int:
    """Periodic (daily): on the agreement's scoreboard weekday, email both owners the
    scoreboard; once per week, however often it runs."""
    from .digest import send_digest

    return send_digest()
