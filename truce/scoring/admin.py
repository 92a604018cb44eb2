from django.contrib import admin

from .models import ScoringRule


@admin.register(ScoringRule)
class ScoringRuleAdmin(admin.ModelAdmin):
    """Read-only: rules change through the services, so every change leaves a ledger event."""

    list_display = ("name", "kind", "points", "touch_kind", "half_life_days", "is_active")
    list_filter = ("kind", "is_active")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
