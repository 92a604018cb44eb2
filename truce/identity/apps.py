from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "truce.identity"
    label = "identity"
    verbose_name = "Identity"
