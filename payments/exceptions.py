"""Refusals of payments, as application errors (PRODUCT.md §9's status and code)."""

from __future__ import annotations

from core.exceptions import ApplicationError, BadRequest, ServiceUnavailable


class PaymentsError(ApplicationError):
    """A payment request refused; nothing was charged or credited."""


class PurchasesDisabled(ServiceUnavailable, PaymentsError):
    code = "purchases_disabled"
    message = "Purchases are disabled on this server: no payment provider is configured."


class UnknownPack(BadRequest, PaymentsError):
    code = "unknown_pack"

    def __init__(self, pack: str, known: list[str]) -> None:
        super().__init__(f"pack: {pack!r} is not one of {', '.join(known)}.")


class StripeUnavailable(ServiceUnavailable, PaymentsError):
    code = "payment_provider_unavailable"
    message = "The payment provider could not be reached; nothing was charged. Try again in a minute."


class WebhookRejected(BadRequest, PaymentsError):
    """A webhook that is not a genuine, recent Stripe event: nothing is stored."""

    code = "bad_signature"


class WebhooksDisabled(ServiceUnavailable, PaymentsError):
    code = "webhooks_disabled"
    message = "Stripe webhooks are not configured on this server (no STRIPE_WEBHOOK_SECRET)."
