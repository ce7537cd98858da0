"""The Stripe calls the product makes itself (creating and retrieving Checkout Sessions
and PaymentIntents), and handing what they return to dj-stripe to sync.

One ``StripeClient`` per call, built from settings: ``STRIPE_SECRET_KEY`` and
``STRIPE_API_BASE`` (a local Stripe-compatible server in tests and demos). dj-stripe's
own calls use ``stripe.api_base``, which settings point at the same server through
``STRIPE_API_HOST``. Every answer comes back as a plain dict.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import stripe
from django.conf import settings
from django.db import transaction
from djstripe.settings import djstripe_settings

logger = logging.getLogger(__name__)

StripeError = stripe.StripeError
SESSION_EXPAND = ["payment_intent.latest_charge"]
INTENT_EXPAND = ["latest_charge"]


def stripe_client() -> stripe.StripeClient:
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses={"api": settings.STRIPE_API_BASE or stripe.DEFAULT_API_BASE},
        stripe_version=djstripe_settings.STRIPE_API_VERSION,
        max_network_retries=1,
    )


def as_dict(obj: Any) -> dict:
    if isinstance(obj, dict):
        return obj
    return json.loads(str(obj))


def checkout_session_create(params: dict, *, idempotency_key: str) -> dict:
    return as_dict(stripe_client().v1.checkout.sessions.create(params, {"idempotency_key": idempotency_key}))


def checkout_session_retrieve(session_id: str) -> dict:
    return as_dict(stripe_client().v1.checkout.sessions.retrieve(session_id, {"expand": SESSION_EXPAND}))


def payment_intent_create(params: dict, *, idempotency_key: str) -> dict:
    return as_dict(stripe_client().v1.payment_intents.create(params, {"idempotency_key": idempotency_key}))


def payment_intent_retrieve(intent_id: str) -> dict:
    return as_dict(stripe_client().v1.payment_intents.retrieve(intent_id, {"expand": INTENT_EXPAND}))


def retrieve(stripe_id: str) -> dict:
    """A Checkout Session (``cs_…``) or PaymentIntent (``pi_…``) as Stripe has it now."""
    if stripe_id.startswith("cs_"):
        return checkout_session_retrieve(stripe_id)
    if stripe_id.startswith("pi_"):
        return payment_intent_retrieve(stripe_id)
    raise ValueError(f"Not a Checkout Session or PaymentIntent id: {stripe_id!r}")


def djstripe_sync(data: dict) -> None:
    """Hand an object we retrieved ourselves to dj-stripe, so its tables hold it too.

    Best effort: the purchase does not depend on dj-stripe's copy, so a sync that fails
    (Stripe unreachable for a related object) is logged, never raised.
    """
    from djstripe import models as djstripe_models

    model = {"checkout.session": djstripe_models.Session, "payment_intent": djstripe_models.PaymentIntent}.get(
        data.get("object")
    )
    if model is None:
        return
    flat = _collapse_expanded(data)
    try:
        with transaction.atomic():
            model.sync_from_stripe_data(flat, api_key=settings.STRIPE_SECRET_KEY)
    except Exception:  # noqa: BLE001 — a mirror copy; never fails the payment
        logger.exception("dj-stripe could not sync %s %s", data.get("object"), data.get("id"))


def _collapse_expanded(data: dict) -> dict:
    """The object as dj-stripe expects it: related objects by id, as Stripe sends them unexpanded."""
    flat = dict(data)
    for key in ("payment_intent", "latest_charge"):
        value = flat.get(key)
        if isinstance(value, dict):
            flat[key] = value.get("id")
    return flat
