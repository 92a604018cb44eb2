from django.urls import path

from . import import_views as views

app_name = "imports"
urlpatterns = [
    path("imports/", views.import_list, name="list"),
    path("imports/uploads/<str:token>/", views.import_mapping, name="mapping"),
    path("imports/<int:job_id>/", views.import_job, name="job"),
    path("imports/<int:job_id>/run/", views.import_run, name="run"),
    path("imports/<int:job_id>/bad-rows.csv", views.import_bad_rows, name="bad_rows"),
]
