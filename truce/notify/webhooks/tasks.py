"""Webhook jobs. They take ids; the claim in `delivery.deliver` makes a duplicate a no-op."""

from django_tasks import task

from . import delivery


@task()
def deliver_webhook(*, delivery_id: int) -> str | None:
    """One attempt of one delivery; a failure schedules the next attempt."""
    return delivery.deliver(delivery_id=delivery_id)


@task()
def deliver_due_webhooks() -> int:
    """Periodic: enqueue the attempts that are due and have no job (see delivery.due_ids)."""
    return delivery.deliver_due()
