from django.apps import AppConfig


class TouchesConfig(AppConfig):
    name = "truce.touches"
    label = "touches"
    verbose_name = "Touches and campaigns"
