from django.urls import path

from . import public, views

app_name = "webtolead"
urlpatterns = [
    path("f/<str:key>/", public.submit, name="submit"),
    path("webforms/", views.form_list, name="form_list"),
    path("webforms/new/", views.form_create, name="form_create"),
    path("webforms/<int:form_id>/", views.form_edit, name="form_edit"),
]
