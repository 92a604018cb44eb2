from django.urls import path

from . import definition_views, views

app_name = "funnel"
urlpatterns = [
    path("", views.lead_list, name="lead_list"),
    path("leads/<int:lead_id>/", views.lead_detail, name="lead_detail"),
    path("leads/<int:lead_id>/move/", views.lead_move, name="lead_move"),
    path("leads/<int:lead_id>/outcome/", views.lead_outcome, name="lead_outcome"),
    path("leads/<int:lead_id>/reopen/", views.lead_reopen, name="lead_reopen"),
    path("leads/<int:lead_id>/touches/", views.lead_touch, name="lead_touch"),
    path("board/", views.board, name="board"),
    path("board/leads/<int:lead_id>/move/", views.board_move, name="board_move"),
    path("vocabulary/", views.vocabulary, name="vocabulary"),
]

# The sales-ready definition (truce/funnel/definition_views.py).
urlpatterns += [
    path("definitions/", definition_views.definitions, name="definitions"),
    path("definitions/propose/", definition_views.propose, name="definition_propose"),
    path("definitions/<int:version>/sign/", definition_views.sign, name="definition_sign"),
]
