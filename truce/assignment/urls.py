from django.urls import path

from . import views

app_name = "assignment"
urlpatterns = [
    path("queue/", views.queue, name="queue"),
    path("queue/leads/<int:lead_id>/accept/", views.accept, name="accept"),
    path("queue/leads/<int:lead_id>/reject/", views.reject, name="reject"),
]
