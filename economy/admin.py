"""Staff views of wallets and the ledger.

Nothing here edits a balance or an entry: granting and refunding are forms that call
``economy.services``, which write a ledger entry with ``created_by`` = the staff member.
"""
from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from . import selectors, services
from .models import LedgerEntry, Wallet


class GrantForm(forms.Form):
    amount = forms.IntegerField(min_value=1, help_text="Tokens to add.")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), help_text="Shown in the ledger.")


class RefundForm(forms.Form):
    entry = forms.ModelChoiceField(
        queryset=LedgerEntry.objects.none(), help_text="The pull, job or free pull to give back."
    )
    amount = forms.IntegerField(
        min_value=1, required=False, help_text="Tokens to give back; empty means all that entry took."
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), help_text="Shown in the ledger.")

    def __init__(self, *args, wallet: Wallet, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["entry"].queryset = selectors.unrefunded_spends(wallet.user)
        self.fields["entry"].label_from_instance = lambda e: (
            f"#{e.pk} {e.created_at:%Y-%m-%d %H:%M} {e.get_kind_display()} {-e.amount} tokens ({e.reference or '-'})"
        )

    def clean(self) -> dict:
        data = super().clean()
        entry, amount = data.get("entry"), data.get("amount")
        if entry is not None and amount is not None and amount > -entry.amount:
            self.add_error("amount", f"That entry took only {-entry.amount} tokens.")
        return data


@admin.register(Wallet)
class WalletAdmin(admin.ModelAdmin):
    list_display = ["user", "balance", "free_pulls_used_on", "free_pulls_used", "updated_at", "token_actions"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__email"]
    list_filter = ["updated_at", "created_at"]
    ordering = ["user__username"]
    readonly_fields = [
        "user",
        "balance",
        "free_pulls_used_on",
        "free_pulls_used",
        "tokens_per_day",
        "tokens_per_month",
        "created_at",
        "updated_at",
        "token_actions",
    ]
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # every user gets one on sign-up

    def has_delete_permission(self, request: HttpRequest, obj: Wallet | None = None) -> bool:
        return False

    @admin.display(description="Tokens")
    def token_actions(self, wallet: Wallet) -> str:
        ledger = reverse("admin:economy_ledgerentry_changelist") + f"?user__id__exact={wallet.user_id}"
        return format_html(
            '<a href="{}">Grant</a> · <a href="{}">Refund</a> · <a href="{}">Ledger</a>',
            reverse("admin:economy_wallet_grant", args=[wallet.pk]),
            reverse("admin:economy_wallet_refund", args=[wallet.pk]),
            ledger,
        )

    def get_urls(self) -> list:
        own = [
            path("<int:wallet_id>/grant/", self.admin_site.admin_view(self.grant_view), name="economy_wallet_grant"),
            path("<int:wallet_id>/refund/", self.admin_site.admin_view(self.refund_view), name="economy_wallet_refund"),
        ]
        return own + super().get_urls()

    def grant_view(self, request: HttpRequest, wallet_id: int) -> HttpResponse:
        wallet = self._wallet_for_change(request, wallet_id)
        form = GrantForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            entry = services.grant(wallet.user, data["amount"], data["reason"], created_by=request.user)
            self.message_user(request, f"Granted {entry.amount} tokens to {wallet.user}; now {entry.balance_after}.")
            return self._back_to(wallet)
        return self._render_form(request, wallet, form, f"Grant tokens to {wallet.user}")

    def refund_view(self, request: HttpRequest, wallet_id: int) -> HttpResponse:
        wallet = self._wallet_for_change(request, wallet_id)
        form = RefundForm(request.POST or None, wallet=wallet)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            entry = services.refund_entry(
                data["entry"], data["reason"], created_by=request.user, amount=data["amount"]
            )
            self.message_user(request, f"Refunded {entry.amount} tokens to {wallet.user}; now {entry.balance_after}.")
            return self._back_to(wallet)
        return self._render_form(request, wallet, form, f"Refund {wallet.user}")

    def _wallet_for_change(self, request: HttpRequest, wallet_id: int) -> Wallet:
        wallet = get_object_or_404(Wallet.objects.select_related("user"), pk=wallet_id)
        if not self.has_change_permission(request, wallet):
            raise PermissionDenied
        return wallet

    def _back_to(self, wallet: Wallet) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:economy_wallet_change", args=[wallet.pk]))

    def _render_form(self, request: HttpRequest, wallet: Wallet, form: forms.Form, title: str) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "wallet": wallet,
            "form": form,
        }
        return TemplateResponse(request, "admin/economy/wallet/token_form.html", context)


@admin.register(LedgerEntry)
class LedgerEntryAdmin(admin.ModelAdmin):
    """Read-only: the ledger is append-only, corrections are new entries."""

    list_display = [
        "id",
        "created_at",
        "user",
        "kind",
        "amount",
        "balance_before",
        "balance_after",
        "reference",
        "created_by",
    ]
    list_select_related = ["user", "created_by"]
    list_filter = ["kind", "created_at"]
    date_hierarchy = "created_at"
    search_fields = ["user__username", "user__email", "reference", "idempotency_key"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: LedgerEntry | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: LedgerEntry | None = None) -> bool:
        return False
