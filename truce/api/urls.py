from django.urls import path

from .docs import asset
from .main import api, unknown_endpoint

urlpatterns = [
    path("docs/assets/<str:name>", asset, name="api-docs-asset"),
    path("", api.urls),
    path("<path:rest>", unknown_endpoint),
]
