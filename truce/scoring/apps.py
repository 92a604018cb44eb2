from django.apps import AppConfig


class ScoringConfig(AppConfig):
    """Fit and engagement scores from configurable rules (predictive models come later)."""

    name = "truce.scoring"
    label = "scoring"
