from django.urls import path

from .main import api, unknown_endpoint

urlpatterns = [
    path("", api.urls),
    path("<path:rest>", unknown_endpoint),
]
