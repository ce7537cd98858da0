"""Staff views of purchases: their Stripe ids, status and ledger entries, what Stripe took
back, and the problems (mismatched amounts, unknown purchases, shortfalls) someone must
look at. Read-only: money moves only through ``payments.services`` and ``economy``."""
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from economy import selectors as economy

from .models import PaymentProblem, Purchase, PurchaseReversal


def entry_link(entry) -> str:
    if entry is None:
        return "—"
    url = reverse("admin:economy_ledgerentry_change", args=[entry.pk])
    return format_html('<a href="{}">#{} {} → {}</a>', url, entry.pk, f"{entry.amount:+d}", entry.balance_after)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class ReversalInline(admin.TabularInline):
    model = PurchaseReversal
    extra = 0
    can_delete = False
    fields = ["created_at", "kind", "stripe_id", "amount", "tokens_owed", "tokens_taken", "shortfall_tokens", "ledger"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description="Ledger entry")
    def ledger(self, reversal: PurchaseReversal) -> str:
        return entry_link(reversal.ledger_entry)


class ProblemInline(admin.TabularInline):
    model = PaymentProblem
    extra = 0
    can_delete = False
    fields = ["created_at", "kind", "stripe_id", "detail", "resolved"]
    readonly_fields = ["created_at", "kind", "stripe_id", "detail"]

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class ShortfallFilter(admin.SimpleListFilter):
    title = "shortfall"
    parameter_name = "shortfall"

    def lookups(self, request, model_admin):
        return [("yes", "Tokens still owed"), ("no", "None owed")]

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        field = "reversals__shortfall_tokens__gt" if queryset.model is Purchase else "shortfall_tokens__gt"
        if self.value() == "yes":
            return queryset.filter(**{field: 0}).distinct()
        if self.value() == "no":
            return queryset.exclude(**{field: 0}).distinct()
        return queryset


@admin.register(Purchase)
class PurchaseAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "pack", "price", "status", "checkout_session_id", "payment_intent_id", "credit"]
    list_filter = ["status", "pack", "flow", ShortfallFilter, "created_at"]
    search_fields = [
        "id",
        "user__username",
        "user__email",
        "checkout_session_id",
        "payment_intent_id",
        "charge_id",
    ]
    list_select_related = ["user", "credit_entry"]
    date_hierarchy = "created_at"
    inlines = [ReversalInline, ProblemInline]
    fieldsets = [
        (None, {"fields": ["id", "user", "pack", "tokens", "price", "currency", "flow", "status", "failure_reason"]}),
        ("Stripe", {"fields": ["checkout_session_id", "payment_intent_id", "charge_id", "receipt", "refunded"]}),
        ("Ledger", {"fields": ["credit", "ledger_entries"]}),
        ("Times", {"fields": ["created_at", "paid_at", "checked_at", "updated_at"]}),
    ]
    readonly_fields = [
        "id", "user", "pack", "tokens", "price", "currency", "flow", "status", "failure_reason",
        "checkout_session_id", "payment_intent_id", "charge_id", "receipt", "refunded",
        "credit", "ledger_entries", "created_at", "paid_at", "checked_at", "updated_at",
    ]

    @admin.display(description="Credit entry")
    def credit(self, purchase: Purchase) -> str:
        return entry_link(purchase.credit_entry)

    @admin.display(description="All ledger entries")
    def ledger_entries(self, purchase: Purchase) -> str:
        entries = economy.transactions(purchase.user).filter(reference=f"purchase:{purchase.pk}")
        return format_html_join(", ", "{}", ((entry_link(entry),) for entry in entries)) or "—"

    @admin.display(description="Receipt")
    def receipt(self, purchase: Purchase) -> str:
        return format_html('<a href="{}">Stripe receipt</a>', purchase.receipt_url) if purchase.receipt_url else "—"


@admin.register(PurchaseReversal)
class PurchaseReversalAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "purchase", "kind", "stripe_id", "tokens_owed", "tokens_taken", "shortfall_tokens"]
    list_filter = ["kind", ShortfallFilter]
    search_fields = ["stripe_id", "key", "purchase__user__username", "purchase__user__email", "purchase__checkout_session_id"]
    list_select_related = ["purchase__user"]
    readonly_fields = [field.name for field in PurchaseReversal._meta.fields]


@admin.register(PaymentProblem)
class PaymentProblemAdmin(admin.ModelAdmin):
    """What staff must look at; they tick ``resolved`` once handled (nothing else is editable)."""

    list_display = ["created_at", "kind", "stripe_id", "purchase", "resolved"]
    list_filter = ["resolved", "kind"]
    list_editable = ["resolved"]
    search_fields = ["stripe_id", "detail", "purchase__user__username", "purchase__user__email"]
    list_select_related = ["purchase__user"]
    readonly_fields = ["created_at", "kind", "stripe_id", "purchase", "detail"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
