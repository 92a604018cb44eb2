from django.urls import path

from . import views

app_name = "playbooks"
urlpatterns = [
    path("playbooks/", views.playbook_list, name="list"),
    path("playbooks/new/", views.playbook_create, name="create"),
    path("playbooks/due/", views.due_reviews, name="due"),
    path("playbooks/for-lead/<int:lead_id>/", views.for_lead, name="for_lead"),
    path("playbooks/<slug:key>/", views.playbook_detail, name="detail"),
    path("playbooks/<slug:key>/edit/", views.playbook_edit, name="edit"),
    path("playbooks/<slug:key>/history/", views.playbook_history, name="history"),
    path("playbooks/<slug:key>/review/", views.playbook_review, name="review"),
]
