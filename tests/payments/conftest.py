"""Payments fixtures: the Stripe stand-in (a real HTTP server) wired into settings, and
helpers that sign and post webhook events to the real endpoint."""
import json

import pytest
import stripe
from django.test import Client

from tests.payments.stripe_standin import PUBLISHABLE_KEY, SECRET_KEY, WEBHOOK_SECRET, StripeStandin

WEBHOOK_PATH = "/api/payments/webhook"


@pytest.fixture
def stripe_standin(settings, monkeypatch):
    """Stripe's API at a local server: our client (STRIPE_API_BASE) and dj-stripe's
    (stripe.api_base, which STRIPE_API_HOST sets only at import) both call it."""
    standin = StripeStandin().start()
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_PUBLISHABLE_KEY = PUBLISHABLE_KEY
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = standin.url
    monkeypatch.setattr(stripe, "api_base", standin.url)
    monkeypatch.setattr(stripe, "max_network_retries", 0)
    yield standin
    standin.stop()


@pytest.fixture
def no_stripe(settings):
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_PUBLISHABLE_KEY = ""
    settings.STRIPE_WEBHOOK_SECRET = ""
    settings.STRIPE_API_BASE = ""


def post_event(event: dict | bytes, *, signature: str | None = "sign", secret: str = WEBHOOK_SECRET,
               timestamp: int | None = None):
    """POST an event to the webhook endpoint, signed the way Stripe signs it (unless a
    ``signature`` header is given, or None for no header)."""
    from tests.payments.stripe_standin import sign

    body = event if isinstance(event, bytes) else json.dumps(event).encode()
    headers = {}
    if signature == "sign":
        headers["Stripe-Signature"] = sign(body, secret, timestamp)
    elif signature is not None:
        headers["Stripe-Signature"] = signature
    return Client().post(WEBHOOK_PATH, data=body, content_type="application/json", headers=headers)


def deliver(events: list[dict]) -> list[int]:
    return [post_event(event).status_code for event in events]
