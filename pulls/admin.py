from django.contrib import admin, messages

from patterns import custody

from . import services
from .models import Pull


@admin.register(Pull)
class PullAdmin(admin.ModelAdmin):
    list_display = ("id", "user", "number", "pattern", "format", "status", "score", "n", "jackpot", "paid_with", "created_at")
    list_filter = ("status", "format", "jackpot", "paid_with", "key_kept", "created_at")
    search_fields = ("=public_id", "user__username", "user__email", "pattern", "address")
    readonly_fields = [field.name for field in Pull._meta.fields if field.name != "encrypted_seed"]
    exclude = ("encrypted_seed",)
    actions = ["fail_and_refund", "reseal_keys"]

    @admin.action(description="Fail and refund the selected pulls still queued or running")
    def fail_and_refund(self, request, queryset) -> None:
        unsettled = queryset.filter(status__in=services.UNSETTLED).values_list("pk", flat=True)
        failed = [services.pull_fail(pk, reason=f"Failed by staff ({request.user}).") for pk in unsettled]
        self.message_user(request, f"{len(failed)} pulls failed and refunded; settled ones were left as they were.",
                          messages.SUCCESS)

    @admin.action(description="Re-seal the selected pulls' private keys under the newest key")
    def reseal_keys(self, request, queryset) -> None:
        count = custody.reseal_rows(queryset)
        self.message_user(request, f"{count} private keys resealed under the newest KEY_ENCRYPTION_KEYS key.",
                          messages.SUCCESS)

    def has_add_permission(self, request) -> bool:
        return False
