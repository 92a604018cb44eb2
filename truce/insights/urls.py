from django.urls import path

from . import views

app_name = "insights"
urlpatterns = [
    path("reports/", views.report_index, name="index"),
    path("reports/<slug:name>/", views.report_page, name="report"),
]
