from django.contrib import admin
from django.urls import include, path

from truce.api.urls import urlpatterns as api_urlpatterns

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_urlpatterns)),  # type: ignore[arg-type]
    path("", include("truce.identity.urls")),
    path("", include("truce.funnel.urls")),
    path("", include("truce.assignment.urls")),
    path("", include("truce.agreements.urls")),
    path("", include("truce.agreements.sla_urls")),
    path("", include("truce.notify.urls")),
    path("", include("truce.transfer.urls")),
    path("", include("truce.transfer.import_urls")),
    path("", include("truce.webtolead.urls")),
    path("", include("truce.insights.urls")),
    path("", include("truce.planning.urls")),
    path("", include("truce.playbooks.urls")),
    path("", include("truce.pulse.urls")),
    path("", include("truce.scoring.urls")),
]
