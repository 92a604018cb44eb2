from django.contrib import admin

from .models import Event


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ("seq", "kind", "subject_type", "subject_id", "actor", "occurred_at")
    list_filter = ("kind", "subject_type", "imported")
    search_fields = ("kind",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
