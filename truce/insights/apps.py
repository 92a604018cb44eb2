import importlib
import pkgutil

from django.apps import AppConfig


class InsightsConfig(AppConfig):
    """Closed-loop reporting: per-lead facts, funnel, outcomes and attribution reports."""

    name = "truce.insights"
    label = "insights"

    def ready(self) -> None:
        # Every module of the reports package registers its reports by name.
        from . import reports

        for module in pkgutil.iter_modules(reports.__path__):
            importlib.import_module(f"{reports.__name__}.{module.name}")
