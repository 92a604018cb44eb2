"""Per-lead facts: one row per lead (and one per stage visit) that reports aggregate.

They are a projection of the ledger, kept current as events are written and rebuilt from the
ledger on demand (`truce facts rebuild`); both paths apply the same reducer, so they agree.
"""

from django.db import models


class LeadFacts(models.Model):
    """Everything a report needs about one lead, in one row."""

    lead_id = models.BigIntegerField(primary_key=True)
    contact_id = models.BigIntegerField(null=True)
    company_id = models.BigIntegerField(null=True)
    created_at = models.DateTimeField()
    cohort = models.CharField(max_length=7)  # the creation month, YYYY-MM (UTC)
    source = models.CharField(max_length=64, blank=True)
    campaign_id = models.BigIntegerField(null=True)
    owner_id = models.BigIntegerField(null=True)
    team = models.CharField(max_length=32, blank=True)  # the owner's team
    product_line = models.CharField(max_length=64, blank=True)
    stage_id = models.BigIntegerField(null=True)
    stage_entered_at = models.DateTimeField(null=True)
    qualified_at = models.DateTimeField(null=True)
    qualified_by_version = models.PositiveIntegerField(null=True)
    assigned_at = models.DateTimeField(null=True)
    disposition = models.CharField(max_length=16, blank=True)
    disposition_reason_id = models.BigIntegerField(null=True)
    disposition_at = models.DateTimeField(null=True)
    opportunity_at = models.DateTimeField(null=True)  # first entry to the opportunity stage
    outcome = models.CharField(max_length=16, default="open")
    outcome_reason_id = models.BigIntegerField(null=True)
    outcome_at = models.DateTimeField(null=True)
    outcome_stage_id = models.BigIntegerField(null=True)  # where the lead was when it closed
    amount = models.DecimalField(max_digits=14, decimal_places=2, null=True)
    won_at = models.DateTimeField(null=True)
    recycled_count = models.PositiveIntegerField(default=0)
    recycled_at = models.DateTimeField(null=True)  # the last time it went back to nurture
    reopened_count = models.PositiveIntegerField(default=0)
    first_touch_at = models.DateTimeField(null=True)
    last_touch_at = models.DateTimeField(null=True)
    first_sales_touch_at = models.DateTimeField(null=True)
    touch_count = models.PositiveIntegerField(default=0)
    marketing_touch_count = models.PositiveIntegerField(default=0)
    sales_touch_count = models.PositiveIntegerField(default=0)
    touches_before_won = models.PositiveIntegerField(null=True)
    touch_kinds = models.JSONField(default=dict)  # {kind: count}
    last_seq = models.PositiveBigIntegerField(default=0)  # the last ledger event applied
    # The stages the lead ever stayed in, bit (stage id - 1) for ids 1 to 63: the funnel
    # counts leads per set of stages reached in one pass (reducer.stage_bit).
    stages_reached = models.BigIntegerField(default=0)
    # Marketing touches that occurred up to the lead's creation, qualification, opportunity
    # and win (null while that has not happened): how far along its path (TouchFacts) each
    # milestone lies, which is all attribution needs to place it.
    marketing_by_created = models.PositiveIntegerField(null=True)
    marketing_by_qualified = models.PositiveIntegerField(null=True)
    marketing_by_opportunity = models.PositiveIntegerField(null=True)
    marketing_by_won = models.PositiveIntegerField(null=True)

    class Meta:
        verbose_name_plural = "lead facts"
        indexes = [
            models.Index(fields=["created_at"], name="insights_facts_created"),
            models.Index(fields=["qualified_at"], name="insights_facts_qualified"),
            models.Index(fields=["outcome", "outcome_at"], name="insights_facts_outcome"),
            # The funnel counts leads per (stages reached, outcome, recycled) in the window by
            # walking this index in order: no table reads, no sort.
            models.Index(
                fields=["stages_reached", "outcome", "recycled_count", "created_at"],
                name="insights_facts_funnel",
            ),
        ]


class StageFacts(models.Model):
    """One stay of a lead in a stage, as the ledger tells it."""

    lead_id = models.BigIntegerField()
    stage_id = models.BigIntegerField()
    visit = models.PositiveIntegerField()  # 1 for the first stay in this stage, 2 on re-entry…
    entered_at = models.DateTimeField()
    exited_at = models.DateTimeField(null=True)
    # Whole seconds from entry to exit, rounded to the nearest (null while the stay is open),
    # and the lead's creation time: the funnel's percentiles walk an index of both.
    seconds = models.BigIntegerField(null=True)
    lead_created_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name_plural = "stage facts"
        constraints = [
            models.UniqueConstraint(
                fields=["lead_id", "stage_id", "visit"], name="insights_stagefacts_visit"
            )
        ]
        indexes = [
            models.Index(fields=["stage_id", "entered_at"], name="insights_stage_entered"),
            models.Index(
                fields=["stage_id", "seconds", "lead_created_at"], name="insights_stage_seconds"
            ),
        ]


class TouchFacts(models.Model):
    """One marketing touch of a lead, numbered along the lead's path: its marketing touches
    ordered by when they occurred, then by touch id (position 1 is the first touch).
    Attribution reads a lead's path up to its conversion as the positions up to a count."""

    touch_id = models.BigIntegerField(primary_key=True)
    lead_id = models.BigIntegerField()
    position = models.PositiveIntegerField()
    occurred_at = models.DateTimeField()
    campaign_id = models.BigIntegerField(null=True)
    channel = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name_plural = "touch facts"
        indexes = [
            # A lead's path in order with every column attribution reads: no table reads.
            models.Index(
                fields=["lead_id", "position", "occurred_at", "campaign_id", "channel"],
                name="insights_touch_path",
            )
        ]
