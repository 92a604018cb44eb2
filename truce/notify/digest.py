"""The weekly scoreboard digest: on the agreement's scoreboard weekday, both owners get the
scoreboard of the current month as plain text. A unique claim row per week makes a second
run, a retry or a second worker send nothing."""

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from truce.agreements import scoreboard
from truce.agreements.models import Agreement, Period
from truce.agreements.selectors import agreement_in_force
from truce.runtime.models import PeriodicRun

CLAIM_NAME = "notify.scoreboard_digest"


def recipients(agreement: Agreement) -> list[str]:
    owners = (agreement.marketing_signed_by, agreement.sales_signed_by)
    return sorted({u.email for u in owners if u is not None and u.email})


def week_slot(agreement: Agreement, now: datetime) -> datetime | None:
    """Monday of this week (the claim's key) if today is the digest day, else None."""
    local = now.astimezone(ZoneInfo(agreement.calendar.time_zone))
    if local.weekday() != agreement.scoreboard_weekday:
        return None
    monday = local.date() - timedelta(days=local.weekday())
    return datetime(monday.year, monday.month, monday.day, tzinfo=UTC)


def _claim(slot: datetime) -> bool:
    try:
        with transaction.atomic():
            PeriodicRun.objects.create(name=CLAIM_NAME, slot=slot)
    except IntegrityError:
        return False
    return True


def compose(board: scoreboard.Scoreboard) -> tuple[str, str]:
    scores = [s for team in board.teams for s in team.commitments]
    context: dict[str, Any] = {
        "board": board,
        "on_track": sum(1 for s in scores if s.on_track),
        "total": len(scores),
        "summary": scoreboard.text_summary(board),
        "url": f"{settings.TRUCE_BASE_URL}/scoreboard/?period={board.period.key}",
    }
    subject = render_to_string("notify/digest_subject.txt", context).strip()
    return subject, render_to_string("notify/digest_body.txt", context)


def send_digest(*, now: datetime | None = None) -> int:
    """Send this week's digest if today is the day and nobody sent it yet; the number sent."""
    now = now or timezone.now()
    agreement = agreement_in_force(at=now)
    if agreement is None:
        return 0
    slot = week_slot(agreement, now)
    to = recipients(agreement)
    if slot is None or not to:
        return 0
    with transaction.atomic():
        if not _claim(slot):
            return 0
        period = scoreboard.period_containing(Period.MONTH, now)
        subject, body = compose(scoreboard.scoreboard(period=period, now=now))
        # Sent inside the claim: if sending fails the claim rolls back and a later run sends.
        return send_mail(subject, body, None, to)
