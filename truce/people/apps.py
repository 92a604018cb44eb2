from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "truce.people"
    label = "people"
    verbose_name = "People"
