"""Playbooks, read-only here: changes go through /playbooks/ or the API, whose services write
a new version and the ledger event that an admin form would skip."""

from django.contrib import admin
from django.http import HttpRequest

from .models import Playbook, PlaybookVersion, Review, ReviewReminder


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Playbook)
class PlaybookAdmin(_ReadOnly):
    list_display = ("key", "title", "owner", "review_cadence_days", "next_review_due")
    list_select_related = ("owner",)


@admin.register(PlaybookVersion)
class PlaybookVersionAdmin(_ReadOnly):
    list_display = ("playbook", "number", "author", "created_at", "change_note")
    list_select_related = ("playbook", "author")


@admin.register(Review)
class ReviewAdmin(_ReadOnly):
    list_display = ("playbook", "reviewed_on", "next_review_due", "recorded_by")
    list_select_related = ("playbook", "recorded_by")


@admin.register(ReviewReminder)
class ReviewReminderAdmin(_ReadOnly):
    list_display = ("playbook", "due_on", "recipient", "sent_at")
    list_select_related = ("playbook",)
