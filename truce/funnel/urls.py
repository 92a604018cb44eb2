from django.urls import path

from . import views

app_name = "funnel"
urlpatterns = [
    path("", views.lead_list, name="lead_list"),
]
