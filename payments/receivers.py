"""dj-stripe webhook receivers: after dj-stripe has synced an event's object (re-fetched
from Stripe), hand it to ``payments.services``. They run inside dj-stripe's transaction
for the event: if one raises, nothing of the event is kept and Stripe sends it again."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from djstripe import models as djstripe_models
from djstripe.event_handlers import djstripe_receiver

from . import services


def synced(model, event) -> Mapping:
    """The event's object as dj-stripe just synced it from Stripe, else as the (verified)
    event carries it."""
    data = event.data["object"]
    row = model.objects.filter(id=data.get("id")).first()
    return row.stripe_data if row is not None and row.stripe_data else data


@djstripe_receiver(["checkout.session.completed", "checkout.session.async_payment_succeeded"])
def checkout_session_paid(sender, event, **kwargs) -> None:
    session = synced(djstripe_models.Session, event)
    services.fulfil_purchase(session["id"], data=session)


@djstripe_receiver("payment_intent.succeeded")
def payment_intent_succeeded(sender, event, **kwargs) -> None:
    intent = synced(djstripe_models.PaymentIntent, event)
    # A Checkout purchase is credited through its session; only create-intent purchases
    # are paid by their PaymentIntent.
    if (intent.get("metadata") or {}).get("flow") == services.Flow.INTENT:
        services.fulfil_purchase(intent["id"], data=intent)


# The other events hand the object dj-stripe synced to one service each.
HANDED_TO_SERVICES: dict[str, tuple[type, Callable[[Mapping], object]]] = {
    "checkout.session.expired": (djstripe_models.Session, services.purchase_expire),
    "checkout.session.async_payment_failed": (djstripe_models.Session, services.purchase_payment_failed),
    "charge.succeeded": (djstripe_models.Charge, services.purchase_charge_note),
    "charge.updated": (djstripe_models.Charge, services.purchase_charge_note),
    "charge.refunded": (djstripe_models.Charge, services.purchase_refund_sync),
    "charge.dispute.created": (djstripe_models.Dispute, services.purchase_dispute_open),
}


@djstripe_receiver(list(HANDED_TO_SERVICES))
def hand_to_service(sender, event, **kwargs) -> None:
    model, service = HANDED_TO_SERVICES[event.type]
    service(synced(model, event))
