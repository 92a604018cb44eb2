"""Webhook subscriptions and the log of every attempt to deliver an event to one."""

from django.conf import settings
from django.db import models


class Subscription(models.Model):
    """An HTTP endpoint that wants the ledger events of some kinds, signed with its secret."""

    target_url = models.URLField(max_length=2000)
    # Exact ledger kinds ("lead.created"), a namespace wildcard ("lead.*") or "*" for all.
    event_kinds = models.JSONField(default=list)
    description = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)
    # Kept in clear: signing needs it. Shown once, on create and on rotation; never logged.
    secret = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"webhook #{self.pk} → {self.target_url}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed, retry scheduled"
    GAVE_UP = "gave_up", "Failed, gave up"


class Delivery(models.Model):
    """One attempt to POST one event to one subscription. A retry or a manual redelivery is
    a new row with the next attempt number, so the log keeps every try."""

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.ForeignKey(
        "ledger.Event", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    attempt = models.PositiveIntegerField()
    manual = models.BooleanField(default=False)  # a redelivery someone asked for
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    due_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempted_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True)  # the first TRUCE_WEBHOOK_RESPONSE_BYTES
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)  # set when a retry follows
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "event", "attempt"], name="notify_delivery_attempt_once"
            ),
            models.CheckConstraint(condition=models.Q(attempt__gte=1), name="notify_attempt_gte_1"),
        ]
        indexes = [
            # The sweep: pending, unclaimed attempts that are due.
            models.Index(
                fields=["due_at"],
                name="notify_delivery_due",
                condition=models.Q(status="pending", claimed_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"delivery #{self.pk} of event {self.event_id} (attempt {self.attempt})"
