from django.apps import AppConfig


class AgreementsConfig(AppConfig):
    """The SLA: versions, commitments, business calendars, clocks and the scoreboard."""

    name = "truce.agreements"
    label = "agreements"
