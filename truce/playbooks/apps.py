from django.apps import AppConfig


class PlaybooksConfig(AppConfig):
    """Documented processes with ordered steps, versions, diffs and reviews on a cadence."""

    name = "truce.playbooks"
    label = "playbooks"
