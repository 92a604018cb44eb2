from django.conf import settings
from django.db import models

from truce.identity.models import SignedVersion, TeamKey


class Calendar(models.Model):
    """Business hours: a time zone, working days, the same intervals each day, and holidays."""

    name = models.CharField(max_length=100, unique=True)
    time_zone = models.CharField(max_length=64, default="UTC")
    working_days = models.JSONField(default=list)  # 0 = Monday … 6 = Sunday
    hours = models.JSONField(default=list)  # [{"start": "09:00", "end": "12:00"}, …]
    holiday_country = models.CharField(max_length=2, blank=True)
    holiday_subdivision = models.CharField(max_length=10, blank=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.name


class DayOff(models.Model):
    """A company day off (on top of the country's public holidays)."""

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="days_off")
    day = models.DateField()
    name = models.CharField(max_length=100, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["calendar", "day"], name="agreements_day_off"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.name}"


class ClockOnReassign(models.TextChoices):
    RESTART = "restart", "Restart the clocks for the new owner"
    CARRY = "carry", "Carry the running clocks over"


class Agreement(SignedVersion):
    """One version of the SLA. In force for its period once both owners have signed it."""

    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    calendar = models.ForeignKey(Calendar, on_delete=models.PROTECT, related_name="agreements")
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True)
    clock_on_reassign = models.CharField(
        max_length=16, choices=ClockOnReassign.choices, default=ClockOnReassign.RESTART
    )
    reassign_on_escalation = models.BooleanField(default=False)
    scoreboard_weekday = models.PositiveSmallIntegerField(default=0)  # weekly digest day
    review_day_of_month = models.PositiveSmallIntegerField(default=1)  # monthly joint review

    class Meta(SignedVersion.Meta):
        pass

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"


class CommitmentKind(models.TextChoices):
    MQL_VOLUME = "mql_volume", "Sales-ready leads per period"
    ACCEPTANCE_RATE = "acceptance_rate", "Share of handed-over leads accepted by sales"
    OPPORTUNITY_RATE = "opportunity_rate", "Share of handed-over leads reaching an opportunity"
    CAMPAIGN_COUNT = "campaign_count", "Campaigns per period"
    FIRST_TOUCH = "first_touch", "First sales touch within H business hours of assignment"
    TOUCHES = "touches", "At least M sales touches within D days of assignment"
    DISPOSITION = "disposition", "Accept or reject within R business hours of assignment"
    OUTCOME = "outcome", "An outcome within T days of assignment"


class Period(models.TextChoices):
    WEEK = "week", "Week"
    MONTH = "month", "Month"
    QUARTER = "quarter", "Quarter"


class Commitment(models.Model):
    """A measurable promise of one team, with its target."""

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="commitments")
    kind = models.CharField(max_length=32, choices=CommitmentKind.choices)
    team = models.CharField(max_length=16, choices=TeamKey.choices)
    target = models.DecimalField(max_digits=12, decimal_places=2)
    period = models.CharField(max_length=16, choices=Period.choices, default=Period.MONTH)
    hours = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    days = models.PositiveIntegerField(null=True, blank=True)
    escalate_after_hours = models.DecimalField(
        max_digits=8, decimal_places=2, null=True, blank=True
    )
    product_line = models.CharField(max_length=64, blank=True)
    segment = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["team", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.target}"


class ClockState(models.TextChoices):
    RUNNING = "running", "Running"
    MET = "met", "Met"
    BREACHED = "breached", "Breached"
    PAUSED = "paused", "Paused"
    CANCELLED = "cancelled", "Cancelled"


class Clock(models.Model):
    """One lead's clock for one time-bound commitment, due in business time."""

    # agreements_clock_lead (lead, state) serves every lookup by lead.
    lead = models.ForeignKey(
        "funnel.Lead", on_delete=models.PROTECT, related_name="clocks", db_index=False
    )
    commitment = models.ForeignKey(Commitment, on_delete=models.PROTECT, related_name="clocks")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="clocks",
    )
    state = models.CharField(max_length=16, choices=ClockState.choices, default=ClockState.RUNNING)
    started_at = models.DateTimeField()
    due_at = models.DateTimeField()
    escalate_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    stopped_by = models.CharField(max_length=64, blank=True)  # the event kind that stopped it
    breached_at = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    escalation_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # Covers the sweep (state, due_at) and the scoreboard's per-commitment, per-owner
            # counts of the clocks due in a period without touching the table.
            models.Index(
                fields=["state", "due_at", "commitment", "owner"], name="agreements_clock_due"
            ),
            models.Index(fields=["state", "escalate_at"], name="agreements_clock_escalate"),
            models.Index(fields=["lead", "state"], name="agreements_clock_lead"),
            # The scoreboard's breaches of a period, newest first.
            models.Index(fields=["breached_at"], name="agreements_clock_breached"),
            # The black hole: breached clocks nothing has stopped, most overdue first.
            models.Index(
                fields=["due_at", "commitment", "lead"],
                name="agreements_clock_open_breach",
                condition=models.Q(state=ClockState.BREACHED, stopped_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.commitment.kind} clock on lead {self.lead_id}: {self.state}"
