from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "truce.ledger"
    label = "ledger"
    verbose_name = "Ledger"
