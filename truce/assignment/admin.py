"""Routing configuration, read-only here: changes go through the API (/api/v1/routing/), whose
services write the ledger event an admin form would skip."""

from django.contrib import admin
from django.http import HttpRequest

from .models import Pool, PoolMember, RoutingRule


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class MemberInline(admin.TabularInline):
    model = PoolMember
    fields = ("user", "weight", "active", "current_weight")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Pool)
class PoolAdmin(_ReadOnly):
    list_display = ("name", "team", "is_default", "is_active")
    inlines = [MemberInline]


@admin.register(RoutingRule)
class RoutingRuleAdmin(_ReadOnly):
    list_display = ("position", "name", "condition", "pool", "is_active")
    ordering = ("position", "pk")
