from django.urls import path

from . import sla_views

app_name = "sla"
urlpatterns = [
    path("agreement/", sla_views.agreement, name="agreement"),
    path("agreement/propose/", sla_views.propose, name="propose"),
    path("agreement/<int:version>/sign/", sla_views.sign, name="sign"),
]
