from django.urls import path

from . import views

app_name = "transfer"
urlpatterns = [
    path("export/<slug:kind>/", views.download, name="export"),
]
