"""Admin for the funnel's configuration. Every save goes through the services, so the ledger
records it; leads themselves are read-only here (use the pages or the API)."""

from django.contrib import admin, messages

from truce.errors import DomainError

from . import services
from .models import Lead, Reason, Stage

STAGE_EDITABLE = services.vocabulary.STAGE_FIELDS


@admin.register(Stage)
class StageAdmin(admin.ModelAdmin):
    list_display = ("position", "key", "name", "team", "max_dwell_days", "is_active")
    ordering = ("position",)

    def get_readonly_fields(self, request, obj=None):
        return ("key", "position", "is_won") if obj else ("is_won",)

    def save_model(self, request, obj, form, change):
        try:
            if change:
                changes = {
                    name: form.cleaned_data[name]
                    for name in form.changed_data
                    if name in STAGE_EDITABLE
                }
                services.update_stage(
                    stage=Stage.objects.get(pk=obj.pk), actor=request.user, changes=changes
                )
            else:
                values = {
                    k: v
                    for k, v in form.cleaned_data.items()
                    if k not in ("key", "name", "team", "position", "definition")
                }
                services.create_stage(
                    key=obj.key,
                    name=obj.name,
                    team=obj.team,
                    position=obj.position,
                    definition=obj.definition,
                    actor=request.user,
                    **values,
                )
        except DomainError as exc:
            messages.error(request, exc.message)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Reason)
class ReasonAdmin(admin.ModelAdmin):
    list_display = ("kind", "key", "label", "is_active")
    list_filter = ("kind",)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        try:
            services.add_reason(kind=obj.kind, key=obj.key, label=obj.label, actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    list_display = ("pk", "contact", "stage", "outcome", "owner", "created_at")
    list_filter = ("outcome", "stage")
    list_select_related = ("contact", "stage", "owner")
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
