from django.conf import settings
from django.db import models


class RuleKind(models.TextChoices):
    FIT = "fit", "Fit"
    ENGAGEMENT = "engagement", "Engagement"


class ScoringRule(models.Model):
    """Points for a lead. A fit rule holds an expression over the lead's facts; an engagement
    rule matches touches (kind, optionally channel and campaign) whose points halve every
    `half_life_days`."""

    kind = models.CharField(max_length=16, choices=RuleKind.choices)
    name = models.CharField(max_length=100)
    points = models.IntegerField()
    expression = models.TextField(blank=True)
    touch_kind = models.CharField(max_length=32, blank=True)
    channel = models.CharField(max_length=64, blank=True)
    campaign = models.ForeignKey(
        "touches.Campaign", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    half_life_days = models.PositiveIntegerField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["kind", "pk"]
        indexes = [models.Index(fields=["is_active", "kind"], name="scoring_rule_active_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} rule {self.name!r} ({self.points:+d})"
