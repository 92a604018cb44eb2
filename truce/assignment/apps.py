from django.apps import AppConfig


class AssignmentConfig(AppConfig):
    """Routing rules, weighted round-robin within pools, reassignment."""

    name = "truce.assignment"
    label = "assignment"
