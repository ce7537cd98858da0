"""Account pages: terms, privacy, and the account overview (tokens, limits, API tokens)."""
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from economy import selectors as economy
from economy.forms import SpendingLimitsForm
from payments import selectors as payments

from . import selectors, services
from .presenters import ledger_rows

RECENT_ENTRIES = 50
RECENT_PURCHASES = 20



def render_account(request: HttpRequest, new_token: str | None = None) -> HttpResponse:
    limits = economy.spending_limits(request.user)
    context = {
        "limits": limits,
        "limits_form": SpendingLimitsForm(
            initial={"tokens_per_day": limits.tokens_per_day, "tokens_per_month": limits.tokens_per_month}
        ),
        "entries": ledger_rows(request.user, list(economy.transactions(request.user)[:RECENT_ENTRIES])),
        "api_tokens": selectors.active_tokens(request.user),
        "new_token": new_token,
        "purchases": payments.purchases_of(request.user, abandoned=False)[:RECENT_PURCHASES],
    }
    return render(request, "accounts/account.html", context)


@login_required
@require_GET
def account(request: HttpRequest) -> HttpResponse:
    return render_account(request)


@never_cache
@login_required
@require_POST
def create_api_token(request: HttpRequest) -> HttpResponse:
    return render_account(request, new_token=services.token_issue(request.user))


@login_required
@require_POST
def revoke_api_token(request: HttpRequest, public_id: UUID) -> HttpResponse:
    services.token_revoke_own(request.user, public_id=public_id)
    messages.success(request, "API token revoked.")
    return redirect("account")
