from django.apps import AppConfig


class PulseConfig(AppConfig):
    """The anonymous team pulse: posts, answers from leaders and recurring surveys."""

    name = "truce.pulse"
    label = "pulse"
