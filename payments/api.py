"""JSON for payments (PRODUCT.md §9): start a purchase (Checkout or a PaymentIntent), list
one's own purchases, and Stripe's webhook.

``purchase_router`` is mounted at ``api/tokens/purchase`` (the call belongs with tokens),
``router`` at ``api/payments/``. The webhook takes no session or token: Stripe's
signature is its authentication.
"""
import datetime as dt
from typing import Annotated, Literal

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from ninja import Header, Router, Schema
from ninja.decorators import decorate_view
from ninja.pagination import paginate
from pydantic import Field

from core.api import PagePagination
from core.ratelimits import client_address, rate_limit

from . import selectors, services

router = Router(tags=["payments"])
purchase_router = Router(tags=["tokens"])


# The packs on sale (TOKEN_PACKS, read from the environment at start-up).
PackName = Literal[tuple(settings.TOKEN_PACKS)]


class PackIn(Schema):
    pack: PackName = Field(description="A token pack's name, as on /pricing.")


class CheckoutOut(Schema):
    purchase_id: str
    checkout_url: str


class IntentOut(Schema):
    purchase_id: str
    client_secret: str


class PurchaseOut(Schema):
    """Read from the purchase itself; its id is a UUID already (never a counter)."""

    purchase_id: str
    pack: str
    tokens: int
    amount_cents: int
    currency: str
    status: str
    refunded_cents: int
    receipt_url: str
    created_at: dt.datetime
    paid_at: dt.datetime | None

    @staticmethod
    def resolve_purchase_id(purchase) -> str:
        return str(purchase.pk)


class WebhookOut(Schema):
    received: bool
    event: str


def checkout_urls(request: HttpRequest) -> dict[str, str]:
    """Where Stripe Checkout sends the buyer back; Stripe fills in {CHECKOUT_SESSION_ID}."""
    return {
        "success_url": request.build_absolute_uri(reverse("purchase_success")) + "?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": request.build_absolute_uri(reverse("purchase_cancel")),
    }


@purchase_router.post("", response=CheckoutOut, summary="Buy a token pack through Stripe Checkout")
def purchase(request: HttpRequest, payload: PackIn):
    rate_limit(request, group="purchases", rate=settings.THROTTLE_PURCHASE_RATE)
    started = services.purchase_start(request.auth, pack=payload.pack, **checkout_urls(request))
    return {"purchase_id": str(started.pk), "checkout_url": started.checkout_url}


@router.post("create-intent", response=IntentOut, summary="Buy a token pack through a PaymentIntent")
def create_intent(request: HttpRequest, payload: PackIn):
    rate_limit(request, group="purchases", rate=settings.THROTTLE_PURCHASE_RATE)
    started, client_secret = services.purchase_start_intent(request.auth, pack=payload.pack)
    return {"purchase_id": str(started.pk), "client_secret": client_secret}


@router.get("purchases", response=list[PurchaseOut], summary="Your purchases, newest first")
@paginate(PagePagination)
def purchases(request: HttpRequest):
    return selectors.purchases_of(request.auth)


@router.get("purchases/{purchase_id}", response=PurchaseOut, summary="One of your purchases")
def purchase_detail(request: HttpRequest, purchase_id: str):
    return selectors.purchase_for_owner(request.auth, purchase_id)


@router.post("webhook", auth=None, response=WebhookOut, summary="Stripe events, signed with STRIPE_WEBHOOK_SECRET")
@decorate_view(csrf_exempt)
def webhook(
    request: HttpRequest,
    stripe_signature: Annotated[str, Header(alias="Stripe-Signature", description="t=…,v1=HMAC-SHA256 of the body")],
):
    event = services.webhook_receive(
        request.body,
        signature=stripe_signature,
        headers=dict(request.headers),
        remote_ip=client_address(request),
    )
    return {"received": True, "event": event.id}
