"""Review reminders: one email to the owner per playbook per due date. The reminder row is
created before sending, in the sending transaction, and its unique key (playbook, due date)
makes a second run, a retry or a second worker send nothing; a failed send rolls it back so a
later run tries again. Recording a review moves the due date, and so allows a new reminder."""

from datetime import date

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.utils import timezone

from truce.ledger import services as ledger

from .models import Playbook, ReviewReminder


def _pending(today: date) -> list[Playbook]:
    already = ReviewReminder.objects.filter(
        playbook=OuterRef("pk"), due_on=OuterRef("next_review_due")
    )
    due = Playbook.objects.filter(next_review_due__lte=today, owner__is_active=True)
    due = due.exclude(owner__email="").exclude(Exists(already))
    return list(due.select_related("owner").order_by("next_review_due", "pk"))


def send_due_reminders(*, today: date | None = None) -> int:
    """The number of reminders sent."""
    today = today or timezone.localdate()
    return sum(_remind(playbook, today) for playbook in _pending(today))


def _remind(playbook: Playbook, today: date) -> int:
    assert playbook.owner is not None
    try:
        with transaction.atomic():
            reminder = ReviewReminder.objects.create(
                playbook=playbook,
                due_on=playbook.next_review_due,
                recipient=playbook.owner.email,
                sent_at=timezone.now(),
            )
            ledger.append(
                kind="playbook.review_reminded",
                subject_type="playbook",
                subject_id=playbook.pk,
                payload={"key": playbook.key, "due_on": reminder.due_on,
                         "recipient": reminder.recipient},
            )  # fmt: skip
            subject, body = _compose(playbook, today)
            return send_mail(subject, body, None, [reminder.recipient])
    except IntegrityError:
        return 0  # another run claimed this due date first


def _compose(playbook: Playbook, today: date) -> tuple[str, str]:
    context = {
        "playbook": playbook,
        "overdue_days": (today - playbook.next_review_due).days,
        "url": f"{settings.TRUCE_BASE_URL}/playbooks/{playbook.key}/",
    }
    subject = render_to_string("playbooks/reminder_subject.txt", context).strip()
    return subject, render_to_string("playbooks/reminder_body.txt", context)
