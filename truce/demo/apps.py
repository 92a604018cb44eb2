from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "truce.demo"
    label = "demo"
