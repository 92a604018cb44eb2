from django.apps import AppConfig


class FunnelConfig(AppConfig):
    name = "truce.funnel"
    label = "funnel"
    verbose_name = "Funnel"
