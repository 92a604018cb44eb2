import secrets

from django.conf import settings
from django.db import models


class FormField(models.TextChoices):
    """The optional fields a form may ask for; the email is always asked for and required."""

    FIRST_NAME = "first_name", "First name"
    LAST_NAME = "last_name", "Last name"
    COMPANY = "company", "Company"
    TITLE = "title", "Job title"
    PHONE = "phone", "Phone"
    COUNTRY = "country", "Country (ISO code)"
    MESSAGE = "message", "Message"


def new_key() -> str:
    return secrets.token_urlsafe(18)  # 24 characters, 144 random bits: unguessable


class WebForm(models.Model):
    """A public form that turns a website visitor into a contact, a lead and a form-fill touch."""

    key = models.CharField(max_length=32, unique=True, default=new_key, editable=False)
    name = models.CharField(max_length=200)
    default_source = models.CharField(max_length=64, default="web_form")
    default_campaign = models.ForeignKey(
        "touches.Campaign", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    fields = models.JSONField(default=list, blank=True)
    allowed_origins = models.JSONField(default=list, blank=True)
    redirect_url = models.CharField(max_length=500, blank=True)
    thank_you_message = models.CharField(max_length=500, blank=True)
    is_enabled = models.BooleanField(default=True)
    submission_count = models.PositiveIntegerField(default=0)
    spam_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class Submission(models.Model):
    """One accepted submission: what it made and its UTM parameters, kept as they came."""

    form = models.ForeignKey(WebForm, on_delete=models.PROTECT, related_name="submissions")
    contact = models.ForeignKey("people.Contact", on_delete=models.PROTECT, related_name="+")
    lead = models.ForeignKey("funnel.Lead", on_delete=models.PROTECT, related_name="+")
    touch = models.OneToOneField(
        "touches.Touch", on_delete=models.PROTECT, related_name="web_submission"
    )
    utm_source = models.CharField(max_length=200, blank=True)
    utm_medium = models.CharField(max_length=200, blank=True)
    utm_campaign = models.CharField(max_length=200, blank=True)
    utm_term = models.CharField(max_length=200, blank=True)
    utm_content = models.CharField(max_length=200, blank=True)
    contact_created = models.BooleanField()
    lead_created = models.BooleanField()
    submitted_at = models.DateTimeField()

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        indexes = [models.Index(fields=["form", "submitted_at"], name="webtolead_sub_form_time")]


class RateWindow(models.Model):
    """Submissions from one address in one fixed time window. Shared by every web process
    through the database; the address is stored only as a keyed hash."""

    address_hash = models.CharField(max_length=64)
    window_start = models.DateTimeField(db_index=True)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["address_hash", "window_start"], name="webtolead_rate_window"
            )
        ]
