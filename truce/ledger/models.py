from django.conf import settings
from django.db import models

from .errors import LedgerIsAppendOnly


class EventQuerySet(models.QuerySet):
    """No bulk path can rewrite history: update and delete are refused outright."""

    def update(self, **kwargs):
        raise LedgerIsAppendOnly("Ledger events cannot be updated.")

    def delete(self):
        raise LedgerIsAppendOnly("Ledger events cannot be deleted.")

    def bulk_update(self, *args, **kwargs):
        raise LedgerIsAppendOnly("Ledger events cannot be updated.")


class Event(models.Model):
    """One thing that happened, chained to the previous event by hash."""

    # Indexes cost every append (and bulk seeding and imports write millions of events): only
    # the ones reads use are kept — seq (the chain), lead timeline, subject history.
    seq = models.PositiveBigIntegerField(unique=True)
    kind = models.CharField(max_length=64)
    occurred_at = models.DateTimeField()
    recorded_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    subject_type = models.CharField(max_length=32)
    subject_id = models.BigIntegerField()
    lead_id = models.BigIntegerField(null=True, blank=True)
    payload = models.JSONField(default=dict)
    imported = models.BooleanField(default=False)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)  # the chain, not an index, makes it trustworthy

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["seq"]
        indexes = [
            models.Index(fields=["lead_id", "seq"], name="ledger_event_lead_seq"),
            models.Index(fields=["subject_type", "subject_id", "seq"], name="ledger_event_subject"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.kind} {self.subject_type}:{self.subject_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise LedgerIsAppendOnly("Ledger events cannot be updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise LedgerIsAppendOnly("Ledger events cannot be deleted.")


class Head(models.Model):
    """The single row every append locks: the last sequence number and hash of the chain."""

    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = "ledger head"
