from django.apps import AppConfig


class WebToLeadConfig(AppConfig):
    """The public web-to-lead form: a contact, a lead and a form-fill touch from a website."""

    name = "truce.webtolead"
    label = "webtolead"
