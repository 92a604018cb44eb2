from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import ApiToken, Team, User


@admin.register(User)
class TruceUserAdmin(UserAdmin):
    fieldsets = (*(UserAdmin.fieldsets or ()), ("Truce", {"fields": ("role", "team", "manager")}))
    list_display = ("username", "email", "role", "team", "is_active")


admin.site.register(Team)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "user", "name", "created_at", "revoked_at")
    readonly_fields = ("prefix", "digest", "created_at", "last_used_at")
