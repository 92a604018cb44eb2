from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "truce.api"
    label = "truce_api"
