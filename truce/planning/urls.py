from django.urls import path

from . import views

app_name = "planning"
urlpatterns = [
    path("plans/", views.plan_list, name="plan_list"),
    path("plans/new/", views.plan_create, name="plan_create"),
    path("plans/<int:plan_id>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:plan_id>/edit/", views.plan_edit, name="plan_edit"),
    path("plans/<int:plan_id>/recheck/", views.plan_recheck, name="plan_recheck"),
    path("plans/<int:plan_id>/reviews/new/", views.review_create, name="review_create"),
]
