from django.conf import settings
from django.db import models

from truce.identity.models import TeamKey


class TouchKind(models.TextChoices):
    EMAIL_OPEN = "email_open", "Email opened"
    EMAIL_CLICK = "email_click", "Email clicked"
    FORM_FILL = "form_fill", "Form filled"
    WEBINAR = "webinar", "Webinar attended"
    CONTENT_DOWNLOAD = "content_download", "Content downloaded"
    AD_CLICK = "ad_click", "Ad clicked"
    PAGE_VISIT = "page_visit", "Page visited"
    CALL = "call", "Call"
    EMAIL = "email", "Sales email"
    MEETING = "meeting", "Meeting"
    DEMO = "demo", "Demo"


SALES_KINDS = frozenset({TouchKind.CALL, TouchKind.EMAIL, TouchKind.MEETING, TouchKind.DEMO})


def team_for_kind(kind: str) -> str:
    return TeamKey.SALES if kind in SALES_KINDS else TeamKey.MARKETING


class Campaign(models.Model):
    name = models.CharField(max_length=200, unique=True)
    channel = models.CharField(max_length=64)
    product_line = models.CharField(max_length=64, blank=True)
    budget = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="campaigns",
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.name


class Touch(models.Model):
    lead = models.ForeignKey("funnel.Lead", on_delete=models.PROTECT, related_name="touches")
    contact = models.ForeignKey("people.Contact", on_delete=models.PROTECT, related_name="touches")
    kind = models.CharField(max_length=32, choices=TouchKind.choices)
    channel = models.CharField(max_length=64, blank=True)
    team = models.CharField(max_length=32, choices=TeamKey.choices)
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.PROTECT, related_name="touches"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="touches",
    )
    occurred_at = models.DateTimeField()
    collateral = models.CharField(max_length=200, blank=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["lead", "occurred_at"], name="touches_touch_lead_time"),
            models.Index(fields=["campaign", "occurred_at"], name="touches_touch_campaign"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on lead {self.lead_id}"
