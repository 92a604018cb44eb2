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


class PredictiveModel(models.Model):
    """One trained version of the win-probability model, with how well it did on leads it never
    saw. Versions are never changed; a retrain adds the next one and the newest is in use."""

    version = models.PositiveIntegerField(unique=True)
    trained_at = models.DateTimeField()
    trained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    training_size = models.PositiveIntegerField()
    won_count = models.PositiveIntegerField()
    lost_count = models.PositiveIntegerField()
    holdout_size = models.PositiveIntegerField()
    auc = models.FloatField()
    # calibration and threshold tables, top features: see truce/scoring/predictive/evaluation.py
    metrics = models.JSONField(default=dict)
    features = models.JSONField(default=dict)
    fingerprint = models.CharField(max_length=64)
    sklearn_version = models.CharField(max_length=32)
    # joblib bytes of the fitted scikit-learn pipeline; in the database so every worker and a
    # backup have it (a logistic regression over a few hundred columns is a few kilobytes).
    artifact = models.BinaryField()

    class Meta:
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"Predictive model v{self.version} (AUC {self.auc:.3f})"


class LeadPrediction(models.Model):
    """A lead's latest win probability and the factors behind it, from one model version."""

    lead = models.OneToOneField(
        "funnel.Lead", primary_key=True, on_delete=models.PROTECT, related_name="prediction"
    )
    model = models.ForeignKey(PredictiveModel, on_delete=models.PROTECT, related_name="+")
    probability = models.FloatField()
    factors = models.JSONField(default=list)
    predicted_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["model", "probability"], name="scoring_prediction_model_p"),
        ]

    def __str__(self) -> str:
        return f"Lead {self.lead_id}: {self.probability:.0%} (model id {self.model_id})"
