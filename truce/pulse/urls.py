from django.urls import path

from . import views

app_name = "pulse"
urlpatterns = [
    path("pulse/", views.board, name="board"),
    path("pulse/posts/", views.post_create, name="post_create"),
    path("pulse/posts/<str:post_id>/replies/", views.reply_create, name="reply_create"),
    path("pulse/survey/", views.survey, name="survey"),
    path("pulse/survey/open/", views.round_open, name="round_open"),
    path("pulse/results/", views.results, name="results"),
]
