from django.contrib import admin

from .models import ApiToken, Profile


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "age_confirmed_at", "terms_accepted_at", "terms_version")
    search_fields = ("user__username", "user__email")
    list_filter = ("terms_version",)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "user", "created_at", "last_used_at", "revoked_at")
    search_fields = ("user__username", "user__email", "prefix")
    list_filter = ("revoked_at", "created_at")
    readonly_fields = ("token_hash", "prefix", "created_at", "last_used_at")
