from django.apps import AppConfig


class TransferConfig(AppConfig):
    """Data in and out: CSV/XLSX import with mappings, export of lists and reports, backups."""

    name = "truce.transfer"
    label = "transfer"
