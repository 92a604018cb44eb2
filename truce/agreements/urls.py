from django.urls import path

from . import views

app_name = "agreements"
urlpatterns = [
    path("scoreboard/", views.scoreboard_page, name="scoreboard"),
    path("scoreboard/leads/", views.scoreboard_leads, name="scoreboard_leads"),
]
