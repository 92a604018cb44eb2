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
        self._keep_facts()

    def _keep_facts(self) -> None:
        """Facts follow the ledger in the transaction that writes it, and owners' teams."""
        from django.db.models.signals import post_save

        from truce.identity.models import User
        from truce.ledger import services as ledger

        from .facts.services import on_events, on_user_saved

        ledger.listen(on_events)
        post_save.connect(on_user_saved, sender=User, dispatch_uid="insights_facts_team")
