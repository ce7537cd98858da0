"""Pages: pricing (Buy → Stripe Checkout), the success page that confirms a payment, the
cancel page. Thin: the work is in ``services``; the success page asks Stripe, never the URL."""
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from core.ratelimits import rate_limit

from . import selectors, services
from .api import checkout_urls
from .exceptions import PaymentsError


def checkout_origins() -> list[str]:
    """Where else the Buy form may send the browser (Content-Security-Policy form-action,
    which allows Stripe Checkout already): the Stripe-compatible server of STRIPE_API_BASE,
    which serves its own checkout pages."""
    if not settings.STRIPE_API_BASE:
        return []
    parts = urlsplit(settings.STRIPE_API_BASE)
    return [f"{parts.scheme}://{parts.netloc}"]


def pricing(request: HttpRequest) -> HttpResponse:
    context = {
        "packs": selectors.packs(),
        "purchases_enabled": selectors.purchases_enabled(),
        "login_url": f"{settings.LOGIN_URL}?{urlencode({'next': reverse('pricing')})}",
    }
    response = render(request, "payments/pricing.html", context)
    if checkout_origins():
        response._csp_update = {"form-action": checkout_origins()}  # what csp.decorators.csp_update sets
    return response


@require_POST
def checkout(request: HttpRequest) -> HttpResponse:
    """The Buy button: a Checkout Session for the pack, then off to Stripe (303)."""
    if not request.user.is_authenticated:
        return redirect(f"{settings.LOGIN_URL}?{urlencode({'next': reverse('pricing')})}")
    try:
        rate_limit(request, group="purchases", rate=settings.THROTTLE_PURCHASE_RATE)
        purchase = services.purchase_start(request.user, pack=request.POST.get("pack", ""), **checkout_urls(request))
    except PaymentsError as exc:
        messages.error(request, exc.message)
        return redirect("pricing")
    response = HttpResponseRedirect(purchase.checkout_url)
    response.status_code = 303
    return response


@never_cache
@login_required
@require_GET
def success(request: HttpRequest) -> HttpResponse:
    purchase = services.purchase_confirm(request.user, session_id=request.GET.get("session_id", ""))
    return render(request, "payments/success.html", {"purchase": purchase, "confirming": is_confirming(purchase)})


@never_cache
@login_required
@require_GET
def purchase_status(request: HttpRequest, purchase_id: str) -> HttpResponse:
    """The success page's status panel (htmx polls it until the payment is confirmed)."""
    rate_limit(request, group="purchase-status", rate="120/m")
    purchase = selectors.purchase_for_owner(request.user, purchase_id)
    if purchase.checkout_session_id:
        purchase = services.purchase_confirm(request.user, session_id=purchase.checkout_session_id)
    return render(request, "payments/_purchase_status.html", {"purchase": purchase, "confirming": is_confirming(purchase)})


@require_GET
def cancel(request: HttpRequest) -> HttpResponse:
    return render(request, "payments/cancel.html")


def is_confirming(purchase) -> bool:
    return purchase.status == purchase.Status.PENDING
