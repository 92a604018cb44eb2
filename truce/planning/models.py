"""Joint plans: one per period and product line (or segment), each change a new revision,
the disconnects found in each revision, and the joint review meetings that resolve them."""

from django.conf import settings
from django.db import models


class PeriodKind(models.TextChoices):
    MONTH = "month", "Month"
    QUARTER = "quarter", "Quarter"


class Plan(models.Model):
    """The identity of a plan: which period and which product line or segment it covers.
    What it says lives in its revisions; `current` is the newest one."""

    period_kind = models.CharField(max_length=16, choices=PeriodKind.choices)
    period_start = models.DateField()  # the first day of the month or quarter
    product_line = models.CharField(max_length=64, blank=True)
    segment = models.CharField(max_length=64, blank=True)
    current = models.ForeignKey(
        "PlanRevision", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revision_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-period_start", "period_kind", "product_line", "segment", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["period_kind", "period_start", "product_line", "segment"],
                name="planning_plan_scope",
            )
        ]

    def __str__(self) -> str:
        return f"{self.period_label} {self.scope_label}"

    @property
    def period_label(self) -> str:
        start = self.period_start
        if self.period_kind == PeriodKind.QUARTER:
            return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
        return f"{start.year}-{start.month:02d}"

    @property
    def scope_label(self) -> str:
        parts = [self.product_line or "All product lines"]
        if self.segment:
            parts.append(self.segment)
        return " · ".join(parts)


class PlanRevision(models.Model):
    """One version of a plan, complete: both sides as they stood after one change.
    Never updated; a change is the next revision."""

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="revisions")
    number = models.PositiveIntegerField()
    # Marketing's side.
    budget = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    planned_campaigns = models.PositiveIntegerField(default=0)
    campaigns = models.ManyToManyField("touches.Campaign", blank=True, related_name="+")
    lead_target = models.PositiveIntegerField(default=0)  # sales-ready leads (MQLs) handed over
    # Sales' side.
    revenue_target = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    incentives = models.JSONField(default=list, blank=True)  # [{"name", "kind", "amount"}]
    reps = models.PositiveIntegerField(default=0)
    touches_per_rep_per_week = models.PositiveIntegerField(default=0)
    note = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["plan", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="planning_revision_number")
        ]

    def __str__(self) -> str:
        return f"{self.plan} r{self.number}"


class IncentiveKind(models.TextChoices):
    BONUS = "bonus", "Bonus"
    SPIFF = "spiff", "SPIFF"
    COMMISSION = "commission", "Commission accelerator"


class Severity(models.TextChoices):
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"


class ReviewMeeting(models.Model):
    """A joint review of one plan by both teams: who was there and what they decided."""

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="reviews")
    held_on = models.DateField()
    attendees = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+")
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"Review of {self.plan} on {self.held_on}"


class Decision(models.Model):
    meeting = models.ForeignKey(ReviewMeeting, on_delete=models.PROTECT, related_name="decisions")
    text = models.TextField()
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField()

    class Meta:
        ordering = ["meeting", "pk"]

    def __str__(self) -> str:
        return self.text[:80]


class Finding(models.Model):
    """A disconnect the detector found in one revision, with the numbers behind it. Stored
    when the revision is made, so what a review discussed stays what the plan said then."""

    revision = models.ForeignKey(PlanRevision, on_delete=models.PROTECT, related_name="findings")
    code = models.CharField(max_length=64)
    severity = models.CharField(max_length=16, choices=Severity.choices)
    message = models.TextField()
    numbers = models.JSONField(default=dict)
    resolved_by = models.ForeignKey(
        Decision, null=True, blank=True, on_delete=models.PROTECT, related_name="findings"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["revision", "pk"]

    def __str__(self) -> str:
        return f"{self.code} on {self.revision}"
