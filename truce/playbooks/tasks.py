"""Periodic job: email each owner whose playbook's review is due (see reminders.py)."""

from django_tasks import task


@task()
def send_review_reminders() -> int:
    from .reminders import send_due_reminders

    return send_due_reminders()
