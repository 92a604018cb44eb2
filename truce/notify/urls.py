from django.urls import path

from . import views

app_name = "notify"
urlpatterns = [
    path("settings/webhooks/", views.webhook_list, name="webhook_list"),
    path("settings/webhooks/new/", views.webhook_new, name="webhook_new"),
    path("settings/webhooks/<int:subscription_id>/", views.webhook_detail, name="webhook_detail"),
    path("settings/webhooks/<int:subscription_id>/edit/", views.webhook_edit, name="webhook_edit"),
    path(
        "settings/webhooks/<int:subscription_id>/pause/",
        views.webhook_pause,
        name="webhook_pause",
    ),
    path(
        "settings/webhooks/<int:subscription_id>/rotate/",
        views.webhook_rotate,
        name="webhook_rotate",
    ),
    path(
        "settings/webhooks/<int:subscription_id>/delete/",
        views.webhook_delete,
        name="webhook_delete",
    ),
    path(
        "settings/webhooks/<int:subscription_id>/deliveries/<int:delivery_id>/redeliver/",
        views.webhook_redeliver,
        name="webhook_redeliver",
    ),
]
