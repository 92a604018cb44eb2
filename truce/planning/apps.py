from django.apps import AppConfig


class PlanningConfig(AppConfig):
    """Joint marketing and sales plans per period, and the disconnect detector."""

    name = "truce.planning"
    label = "planning"
