from django.apps import AppConfig


class NotifyConfig(AppConfig):
    """Email notifications and digests, sent by background jobs after the change committed."""

    name = "truce.notify"
    label = "notify"
