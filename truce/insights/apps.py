from django.apps import AppConfig


class InsightsConfig(AppConfig):
    """Closed-loop reporting: per-lead facts, funnel, outcomes and attribution reports."""

    name = "truce.insights"
    label = "insights"
