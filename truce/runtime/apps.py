from django.apps import AppConfig


class RuntimeConfig(AppConfig):
    """How Truce runs: the web server, the background worker and the one-command demo."""

    name = "truce.runtime"
    label = "runtime"
