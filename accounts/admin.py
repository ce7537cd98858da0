from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .models import ApiToken, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "email", "is_staff", "is_active", "date_joined", "terms_version")
    list_filter = (*DjangoUserAdmin.list_filter, "terms_version")
    search_fields = (*DjangoUserAdmin.search_fields, "=public_id")
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        ("Consent", {"fields": ("age_confirmed_at", "terms_accepted_at", "terms_version")}),
        ("Public id", {"fields": ("public_id",)}),
    )
    readonly_fields = ("public_id", "age_confirmed_at", "terms_accepted_at", "terms_version")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "user", "created_at", "last_used_at", "revoked_at")
    search_fields = ("user__username", "user__email", "prefix", "=public_id")
    list_filter = ("revoked_at", "created_at")
    readonly_fields = ("public_id", "token_hash", "prefix", "created_at", "last_used_at")
