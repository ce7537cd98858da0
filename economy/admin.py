"""Staff views of wallets and the ledger.

Nothing here edits a balance or an entry: granting and refunding are forms that call
``economy.services``, which write a ledger entry with ``created_by`` = the staff member.
A refusal by the services (nothing left to refund, a balance past the maximum) comes
back as a form error. A user gets a wallet with their first ledger entry; staff grant to
a user without one from "Grant tokens to a user" on the wallet list.
"""
import uuid

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from accounts.exceptions import AmbiguousLogin
from accounts.selectors import user_by_login

from . import selectors, services
from .audit import ledger_audit
from .exceptions import EconomyError
from .models import LedgerEntry, Wallet


class OnceForm(forms.Form):
    """A form that carries a one-time id, so sending it twice applies it once."""

    submission = forms.RegexField(regex=r"^[0-9a-f]{32}$", widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["submission"].initial = uuid.uuid4().hex


class GrantForm(OnceForm):
    amount = forms.IntegerField(min_value=1, max_value=services.MAX_TOKENS_PER_OPERATION, help_text="Tokens to add.")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), help_text="Shown in the ledger.")


class GrantToUserForm(GrantForm):
    user = forms.CharField(max_length=254, help_text="Username or e-mail address.")
    field_order = ["user", "amount", "reason"]

    def clean_user(self) -> AbstractBaseUser:
        login = self.cleaned_data["user"].strip()
        try:
            user = user_by_login(login)
        except AmbiguousLogin as exc:
            raise forms.ValidationError(str(exc)) from None
        if user is None:
            raise forms.ValidationError(f"No user with username or e-mail {login}.")
        return user


class RefundForm(OnceForm):
    entry = forms.ModelChoiceField(
        queryset=LedgerEntry.objects.none(), help_text="The pull, job or free pull to give back."
    )
    amount = forms.IntegerField(
        min_value=1, required=False, help_text="Tokens to give back; empty means all that is left of that entry."
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), help_text="Shown in the ledger.")

    def __init__(self, *args, wallet: Wallet, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["entry"].queryset = selectors.unrefunded_spends(wallet.user)
        self.fields["entry"].label_from_instance = lambda e: (
            f"#{e.pk} {e.created_at:%Y-%m-%d %H:%M} {e.get_kind_display()} {-e.amount} tokens, "
            f"{e.refundable_tokens} left ({e.reference or '-'})"
        )

    def clean(self) -> dict:
        data = super().clean()
        entry, amount = data.get("entry"), data.get("amount")
        if entry is not None and amount is not None and amount > entry.refundable_tokens:
            self.add_error("amount", f"Only {entry.refundable_tokens} tokens of that entry are left to refund.")
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
    actions = ["check_ledger"]

    @admin.action(description="Check the ledger of the selected wallets (balance = sum of entries, unbroken chain)")
    def check_ledger(self, request: HttpRequest, queryset) -> None:
        reports = list(ledger_audit([wallet.user for wallet in queryset.select_related("user")]))
        bad = [report for report in reports if not report.ok]
        for report in bad:
            self.message_user(request, f"{report.username}: " + "; ".join(report.problems), messages.ERROR)
        if not bad:
            self.message_user(request, f"{len(reports)} ledgers checked: consistent.", messages.SUCCESS)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # made by the first ledger entry, e.g. a grant from grant_to_user_view

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
            path("grant/", self.admin_site.admin_view(self.grant_to_user_view), name="economy_wallet_grant_to_user"),
            path("<int:wallet_id>/grant/", self.admin_site.admin_view(self.grant_view), name="economy_wallet_grant"),
            path("<int:wallet_id>/refund/", self.admin_site.admin_view(self.refund_view), name="economy_wallet_refund"),
        ]
        return own + super().get_urls()

    def grant_to_user_view(self, request: HttpRequest) -> HttpResponse:
        """Grant to any user by login, making their wallet if they have none yet."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        form = GrantToUserForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            entry = self._grant(request, form, form.cleaned_data["user"])
            if entry is not None:
                return self._back_to(Wallet.objects.get(user_id=entry.user_id))
        return self._render_form(request, None, form, "Grant tokens to a user")

    def grant_view(self, request: HttpRequest, wallet_id: int) -> HttpResponse:
        wallet = self._wallet_for_change(request, wallet_id)
        form = GrantForm(request.POST or None)
        if request.method == "POST" and form.is_valid() and self._grant(request, form, wallet.user) is not None:
            return self._back_to(wallet)
        return self._render_form(request, wallet, form, f"Grant tokens to {wallet.user}")

    def refund_view(self, request: HttpRequest, wallet_id: int) -> HttpResponse:
        wallet = self._wallet_for_change(request, wallet_id)
        form = RefundForm(request.POST or None, wallet=wallet)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                entry = services.entry_refund(
                    data["entry"], reason=data["reason"], created_by=request.user, amount=data["amount"],
                    submission=data["submission"],
                )
            except EconomyError as exc:  # AlreadyRefunded too: another refund got there first
                form.add_error(None, exc.message)
            else:
                self.message_user(
                    request, f"Refunded {entry.amount} tokens to {wallet.user}; now {entry.balance_after}."
                )
                return self._back_to(wallet)
        return self._render_form(request, wallet, form, f"Refund {wallet.user}")

    def _grant(self, request: HttpRequest, form: GrantForm, user: AbstractBaseUser) -> LedgerEntry | None:
        """Grant what a valid form says, or put the services' refusal on the form (None)."""
        data = form.cleaned_data
        try:
            entry = services.wallet_grant(
                user, amount=data["amount"], reason=data["reason"], created_by=request.user,
                submission=data["submission"],
            )
        except EconomyError as exc:  # e.g. past the most a wallet may hold
            form.add_error(None, exc.message)
            return None
        self.message_user(request, f"Granted {entry.amount} tokens to {user}; now {entry.balance_after}.")
        return entry

    def _wallet_for_change(self, request: HttpRequest, wallet_id: int) -> Wallet:
        wallet = get_object_or_404(Wallet.objects.select_related("user"), pk=wallet_id)
        if not self.has_change_permission(request, wallet):
            raise PermissionDenied
        return wallet

    def _back_to(self, wallet: Wallet) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:economy_wallet_change", args=[wallet.pk]))

    def _render_form(
        self, request: HttpRequest, wallet: Wallet | None, form: forms.Form, title: str
    ) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "wallet": wallet,
            "object": wallet,
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
    search_fields = ["user__username", "user__email", "reference", "idempotency_key", "=public_id"]
    readonly_fields = ["public_id"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: LedgerEntry | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: LedgerEntry | None = None) -> bool:
        return False
