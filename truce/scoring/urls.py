from django.urls import path

from . import views

app_name = "scoring"
urlpatterns = [
    path("scoring/model/", views.model_page, name="model"),
    path("scoring/model/train/", views.train, name="train"),
]
