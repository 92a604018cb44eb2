from django.conf import settings
from django.db import models

from truce.identity.models import SignedVersion, TeamKey


class Stage(models.Model):
    """One step of the shared funnel. The key never changes, so renaming never breaks history."""

    key = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    team = models.CharField(max_length=32, choices=TeamKey.choices)
    position = models.PositiveIntegerField(unique=True)
    definition = models.TextField()
    entry_criteria = models.JSONField(default=list, blank=True)
    max_dwell_days = models.PositiveIntegerField(null=True, blank=True)
    collateral = models.JSONField(default=list, blank=True)
    is_won = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return self.name


class ReasonKind(models.TextChoices):
    LOST = "lost", "Lost"
    REJECTED = "rejected", "Rejected by sales"
    RECYCLED = "recycled", "Recycled to nurture"
    DISQUALIFIED = "disqualified", "Disqualified"


class Reason(models.Model):
    kind = models.CharField(max_length=16, choices=ReasonKind.choices)
    key = models.SlugField(max_length=50)
    label = models.CharField(max_length=150)
    position = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["kind", "position", "key"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "key"], name="funnel_reason_kind_key")
        ]

    def __str__(self) -> str:
        return self.label


class Term(models.Model):
    key = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TermVersion(models.Model):
    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveIntegerField()
    definition = models.TextField()
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["term", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["term", "version"], name="funnel_term_version"),
        ]


class TermApproval(models.Model):
    version = models.ForeignKey(TermVersion, on_delete=models.PROTECT, related_name="approvals")
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["version", "approver"], name="funnel_term_approval"),
        ]


class SalesReadyDefinition(SignedVersion):
    """One version of the rule that makes a lead an MQL. In force once both owners signed it."""

    rule = models.TextField()
    notes = models.TextField(blank=True)

    class Meta(SignedVersion.Meta):
        pass

    def __str__(self) -> str:
        return f"Sales-ready definition v{self.version}"


class Disposition(models.TextChoices):
    NONE = "", "Awaiting disposition"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


class Outcome(models.TextChoices):
    OPEN = "open", "Open"
    WON = "won", "Won"
    LOST = "lost", "Lost"
    RECYCLED = "recycled", "Recycled"
    DISQUALIFIED = "disqualified", "Disqualified"


class Lead(models.Model):
    """One journey of a contact through the funnel, from first touch to an outcome."""

    contact = models.ForeignKey("people.Contact", on_delete=models.PROTECT, related_name="leads")
    company = models.ForeignKey(
        "people.Company", null=True, blank=True, on_delete=models.PROTECT, related_name="leads"
    )
    source = models.CharField(max_length=64, blank=True)
    campaign = models.ForeignKey(
        "touches.Campaign", null=True, blank=True, on_delete=models.PROTECT, related_name="leads"
    )
    # Every index costs each insert (an import writes a million leads): owner and stage are
    # served by the composite indexes that lead with them, the reasons are only read per lead.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leads",
        db_index=False,
    )
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="leads", db_index=False)
    stage_entered_at = models.DateTimeField()
    score = models.IntegerField(default=0)
    # Database defaults too, so set-based bulk inserts (seed, import) need not name them.
    fit_score = models.IntegerField(default=0, db_default=0)
    engagement_score = models.IntegerField(default=0, db_default=0)
    score_explanation = models.JSONField(null=True, blank=True)
    scored_at = models.DateTimeField(null=True, blank=True)
    qualified_at = models.DateTimeField(null=True, blank=True)
    qualified_by = models.ForeignKey(
        SalesReadyDefinition, null=True, blank=True, on_delete=models.PROTECT, related_name="leads"
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    disposition = models.CharField(
        max_length=16,
        choices=Disposition.choices,
        blank=True,
        default=Disposition.NONE,
        db_default=Disposition.NONE,
    )
    disposition_reason = models.ForeignKey(
        Reason, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    disposition_at = models.DateTimeField(null=True, blank=True)
    facts = models.JSONField(default=dict, blank=True)
    product_line = models.CharField(max_length=64, blank=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.OPEN)
    outcome_reason = models.ForeignKey(
        Reason, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    outcome_at = models.DateTimeField(null=True, blank=True)
    external_id = models.CharField(max_length=100, null=True, blank=True, unique=True)
    touch_count = models.PositiveIntegerField(default=0)
    sales_touch_count = models.PositiveIntegerField(default=0)
    first_touch_at = models.DateTimeField(null=True, blank=True)
    last_touch_at = models.DateTimeField(null=True, blank=True)
    first_sales_touch_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["stage", "outcome"], name="funnel_lead_stage_outcome"),
            models.Index(fields=["owner", "outcome"], name="funnel_lead_owner_outcome"),
            models.Index(fields=["source"], name="funnel_lead_source"),
            models.Index(fields=["created_at"], name="funnel_lead_created"),
            # The scoreboard's counts of a period's MQLs and dispositions by campaign read
            # only these indexes, not the table.
            models.Index(fields=["qualified_at", "campaign", "id"], name="funnel_lead_qualified"),
            models.Index(
                fields=["disposition_at", "disposition", "campaign"], name="funnel_lead_disposed"
            ),
        ]

    def __str__(self) -> str:
        return f"Lead {self.pk}"


class StageVisit(models.Model):
    """A lead's stay in a stage: entered, and exited unless it is still there."""

    # The indexes below lead with lead_id and stage_id, so the foreign keys need none of their own.
    lead = models.ForeignKey(Lead, on_delete=models.PROTECT, related_name="visits", db_index=False)
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+", db_index=False)
    entered_at = models.DateTimeField()
    exited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["entered_at", "pk"]
        indexes = [
            # A lead's visits, and whether it entered a stage after a moment: one probe.
            models.Index(fields=["lead", "stage", "entered_at"], name="funnel_visit_lead"),
            # Who entered a stage in a period (the scoreboard's opportunities), index only.
            models.Index(fields=["stage", "entered_at", "lead"], name="funnel_visit_stage"),
        ]
