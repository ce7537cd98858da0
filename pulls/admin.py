from django.contrib import admin

from .models import Pull


@admin.register(Pull)
class PullAdmin(admin.ModelAdmin):
    list_display = ("id", "user", "number", "pattern", "format", "status", "score", "n", "jackpot", "paid_with", "created_at")
    list_filter = ("status", "format", "jackpot", "paid_with", "key_kept", "created_at")
    search_fields = ("user__username", "user__email", "pattern", "address")
    readonly_fields = [field.name for field in Pull._meta.fields if field.name != "encrypted_seed"]
    exclude = ("encrypted_seed",)

    def has_add_permission(self, request) -> bool:
        return False
