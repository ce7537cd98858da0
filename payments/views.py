from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from . import selectors


def pricing(request: HttpRequest) -> HttpResponse:
    context = {
        "packs": selectors.packs(),
        "purchases_enabled": selectors.purchases_enabled(),
        "pull_cost": settings.PULL_COST_TOKENS,
        "free_per_day": settings.FREE_PULLS_PER_DAY,
    }
    return render(request, "payments/pricing.html", context)
