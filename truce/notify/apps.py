from django.apps import AppConfig


class NotifyConfig(AppConfig):
    """Email notifications, digests and webhooks, sent by background jobs after the change
    committed."""

    name = "truce.notify"
    label = "notify"

    def ready(self) -> None:
        from truce.ledger import services as ledger

        from .webhooks.services import queue_deliveries

        ledger.listen(queue_deliveries)
