from django.contrib.auth.models import AbstractUser
from django.db import models


class TeamKey(models.TextChoices):
    MARKETING = "marketing", "Marketing"
    SALES = "sales", "Sales"


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    MARKETING_OWNER = "marketing_owner", "Marketing owner"
    MARKETER = "marketer", "Marketer"
    SALES_OWNER = "sales_owner", "Sales owner"
    SALES_REP = "sales_rep", "Sales rep"
    VIEWER = "viewer", "Viewer"


class Team(models.Model):
    key = models.CharField(max_length=32, unique=True, choices=TeamKey.choices)
    name = models.CharField(max_length=100)

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    role = models.CharField(max_length=32, choices=Role.choices, default=Role.VIEWER)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    manager = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    # Routing skips people who are away and those at their capacity of open assigned leads.
    is_away = models.BooleanField(default=False)
    capacity = models.PositiveIntegerField(default=50)

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 digest is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=16)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"


class SignedVersion(models.Model):
    """A document version that is in force once the marketing owner and the sales owner have
    both signed it (the SLA, the sales-ready definition); see `identity/signing.py`."""

    version = models.PositiveIntegerField(unique=True)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    marketing_signed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    marketing_signed_at = models.DateTimeField(null=True, blank=True)
    sales_signed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sales_signed_at = models.DateTimeField(null=True, blank=True)
    in_force_from = models.DateTimeField(null=True, blank=True)
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-version"]
