"""Reads for payments: the token packs on sale, whether purchases are enabled, and a
user's purchases (always their own)."""
from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from core.exceptions import NotFound
from core.validators import as_uuid

from .models import Purchase, format_money


@dataclass(frozen=True)
class Pack:
    name: str
    tokens: int
    price_cents: int
    currency: str = "usd"

    @property
    def price(self) -> str:
        return format_money(self.price_cents, self.currency)

    @property
    def pulls(self) -> int:
        return self.tokens // settings.PULL_COST_TOKENS

    @property
    def price_per_pull(self) -> str:
        """What one pull costs when paid with this pack's tokens (cents under a dollar)."""
        per_pull = self.price_cents * settings.PULL_COST_TOKENS / self.tokens
        if self.currency == "usd" and per_pull < 100:
            return f"{per_pull:.3g}¢"
        return format_money(round(per_pull), self.currency)


def packs() -> list[Pack]:
    return [
        Pack(name, pack["tokens"], pack["price_cents"], pack.get("currency", settings.STRIPE_CURRENCY).lower())
        for name, pack in settings.TOKEN_PACKS.items()
    ]


def pack_named(name: str) -> Pack | None:
    return next((pack for pack in packs() if pack.name == name), None)


def purchases_enabled() -> bool:
    return bool(settings.STRIPE_SECRET_KEY and settings.STRIPE_PUBLISHABLE_KEY)


def webhooks_enabled() -> bool:
    return bool(settings.STRIPE_WEBHOOK_SECRET)


def purchases_of(user: AbstractBaseUser, *, abandoned: bool = True) -> QuerySet[Purchase]:
    """The user's purchases that reached Stripe, newest first, with what was taken back;
    ``abandoned=False`` leaves out checkouts that expired unpaid."""
    purchases = Purchase.objects.filter(user=user).exclude(
        status=Purchase.Status.FAILED, checkout_session_id__isnull=True, payment_intent_id__isnull=True
    )
    if not abandoned:
        purchases = purchases.exclude(status__in=[Purchase.Status.EXPIRED, Purchase.Status.FAILED])
    return purchases.prefetch_related("reversals").order_by("-created_at")


def purchase_for_owner(user: AbstractBaseUser, purchase_id) -> Purchase:
    """The user's own purchase; anyone else's (or none) is a 404."""
    pk = as_uuid(purchase_id)
    purchase = Purchase.objects.filter(pk=pk, user=user).first() if pk is not None else None
    if purchase is None:
        raise NotFound("No such purchase.")
    return purchase


def purchase_for_session(user: AbstractBaseUser, session_id: str) -> Purchase:
    purchase = Purchase.objects.filter(checkout_session_id=session_id, user=user).first() if session_id else None
    if purchase is None:
        raise NotFound("No such purchase.")
    return purchase
