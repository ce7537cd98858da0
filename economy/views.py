"""The user's own spending limits, set from the account page."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from . import services
from .forms import SpendingLimitsForm


@login_required
@require_POST
def update_limits(request: HttpRequest) -> HttpResponse:
    form = SpendingLimitsForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        services.wallet_set_limits(request.user, per_day=data["tokens_per_day"], per_month=data["tokens_per_month"])
        messages.success(request, "Spending limits saved.")
    else:
        messages.error(request, "Limits must be whole numbers of tokens, 0 or more (or empty for none).")
    return redirect("account")
