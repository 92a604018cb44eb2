"""Web forms and submissions, read-only here: changes go through /webforms/ or the API, whose
services write the ledger event an admin form would skip."""

from django.contrib import admin
from django.http import HttpRequest

from .models import Submission, WebForm


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(WebForm)
class WebFormAdmin(_ReadOnly):
    list_display = ("name", "is_enabled", "default_source", "submission_count", "spam_count")


@admin.register(Submission)
class SubmissionAdmin(_ReadOnly):
    list_display = ("submitted_at", "form", "lead", "utm_source", "utm_medium", "utm_campaign")
    list_select_related = ("form", "lead")
