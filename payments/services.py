"""Every write of payments: starting a purchase at Stripe, crediting it once, taking back
what Stripe refunds or loses to a dispute, and receiving Stripe's webhooks.

Exactly once, whatever the order: each change to a purchase runs in
``transaction.atomic()`` holding the purchase row (``SELECT … FOR UPDATE``), then the
wallet row (inside ``economy.services``), always in that order. A purchase is credited
when its row has no credit entry yet, through ``wallet_credit`` keyed by the Stripe object
it was paid with (the Checkout Session, or the PaymentIntent of ``create-intent``), so a
repeated event, an event for the same payment under another type, or the success page
racing the webhook find the first credit and apply nothing. What is credited is what the
purchase row asked for; Stripe's object only has to agree (paid, same amount, same
currency, same pack) — if it does not, nothing is credited and a ``PaymentProblem`` says
why. Refunds and disputes are ``PurchaseReversal`` rows, one per Stripe change, each
applied once through ``wallet_debit_available`` (never below zero; the rest is a recorded
shortfall).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import stripe
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.exceptions import BadRequest
from core.validators import as_uuid
from economy import services as economy

from . import selectors, stripe_api
from .exceptions import PurchasesDisabled, StripeUnavailable, UnknownPack, WebhookRejected, WebhooksDisabled
from .models import PaymentProblem, Purchase, PurchaseReversal

logger = logging.getLogger(__name__)

Status = Purchase.Status
Flow = Purchase.Flow
# The success page asks Stripe at most this often per purchase while it is unconfirmed.
CONFIRM_INTERVAL = dt.timedelta(seconds=2)
WEBHOOK_HEADERS_KEPT = ("content-type", "stripe-signature", "user-agent")


@dataclass(frozen=True)
class Payment:
    """What one Stripe object (a Checkout Session or a PaymentIntent) says was paid."""

    stripe_id: str
    flow: str
    purchase_ref: str
    pack: str
    paid: bool
    amount: int | None
    currency: str
    payment_intent_id: str | None
    charge_id: str
    receipt_url: str
    closed_unpaid: bool = False  # Stripe will not take this payment any more (expired, canceled)


# ---------------------------------------------------------------------------- starting


def purchase_start(
    user: AbstractBaseUser, *, pack: str, success_url: str, cancel_url: str
) -> Purchase:
    """A pending purchase of ``pack`` and its Stripe Checkout Session (``checkout_url``).

    The row is written first, so the session can name it (``client_reference_id`` and
    metadata); ``success_url`` must carry ``{CHECKOUT_SESSION_ID}``. Stripe unreachable →
    StripeUnavailable (503) and the purchase is marked failed; nothing was charged.
    """
    purchase = _purchase_new(user, pack=pack, flow=Flow.CHECKOUT)
    metadata = _metadata(purchase)
    params = {
        "mode": "payment",
        "client_reference_id": str(purchase.pk),
        "metadata": metadata,
        "payment_intent_data": {"metadata": metadata, "description": _description(purchase)},
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": purchase.currency,
                    "unit_amount": purchase.amount_cents,
                    "product_data": {"name": _description(purchase)},
                },
            }
        ],
        "success_url": success_url,
        "cancel_url": cancel_url,
    }
    if user.email:
        params["customer_email"] = user.email
    session = _stripe_create(purchase, stripe_api.checkout_session_create, params)
    purchase.checkout_session_id = session["id"]
    purchase.checkout_url = session.get("url") or ""
    purchase.save(update_fields=["checkout_session_id", "checkout_url", "updated_at"])
    return purchase


def purchase_start_intent(user: AbstractBaseUser, *, pack: str) -> tuple[Purchase, str]:
    """A pending purchase paid through a PaymentIntent (Stripe Elements): the purchase and
    the intent's client secret, which only the buyer's browser gets (it is not stored)."""
    purchase = _purchase_new(user, pack=pack, flow=Flow.INTENT)
    params = {
        "amount": purchase.amount_cents,
        "currency": purchase.currency,
        "metadata": _metadata(purchase),
        "description": _description(purchase),
        "automatic_payment_methods": {"enabled": True},
    }
    if user.email:
        params["receipt_email"] = user.email
    intent = _stripe_create(purchase, stripe_api.payment_intent_create, params)
    purchase.payment_intent_id = intent["id"]
    purchase.save(update_fields=["payment_intent_id", "updated_at"])
    return purchase, intent["client_secret"]


# ---------------------------------------------------------------------------- crediting


def fulfil_purchase(stripe_id: str, *, data: Mapping | None = None) -> Purchase | None:
    """Credit the purchase paid by Checkout Session or PaymentIntent ``stripe_id``, once.

    ``data`` is that object as Stripe sent it (a verified webhook, as synced by
    dj-stripe); without it the object is retrieved from Stripe now (the success page: a
    session id in a URL proves nothing). Not paid yet → the purchase, unchanged. A
    mismatch (amount, currency, pack) → nothing credited, a PaymentProblem, the purchase
    held for review. No purchase of ours → None (and a PaymentProblem when the object
    claims to be one of ours). StripeError propagates when Stripe cannot be asked.
    """
    if data is None:
        data = stripe_api.retrieve(stripe_id)
        stripe_api.djstripe_sync(data)
    if data.get("id") != stripe_id:
        raise ValueError(f"Stripe data for {data.get('id')!r}, not {stripe_id!r}")
    payment = payment_from_stripe(data)
    with transaction.atomic():
        purchase = _purchase_locked_for(payment)
        if purchase is None:
            return None
        _note_payment(purchase, payment)
        if payment.closed_unpaid and _still_unpaid(purchase):
            purchase.status = Status.EXPIRED
        if purchase.credit_entry_id is not None or not payment.paid or purchase.status == Status.MISMATCHED:
            purchase.save()
            return purchase
        problem = _mismatch(purchase, payment)
        if problem is not None:
            kind, detail = problem
            purchase.status = Status.MISMATCHED
            purchase.failure_reason = detail[:255]
            purchase.save()
            _problem(kind, stripe_id, purchase=purchase, detail=detail)
            return purchase
        purchase.credit_entry = economy.wallet_credit(
            purchase.user,
            amount=purchase.tokens,
            kind=economy.Kind.PURCHASE,
            reference=f"purchase:{purchase.pk}",
            reason=f"{_description(purchase)}, paid at Stripe ({stripe_id})",
            idempotency_key=f"stripe:{stripe_id}",
        )
        purchase.status = Status.PAID
        purchase.paid_at = timezone.now()
        for reversal in purchase.reversals.filter(applied_at__isnull=True).order_by("created_at"):
            _reversal_apply(purchase, reversal)
        purchase.status = _status_after_reversals(purchase)
        purchase.save()
    logger.info("Purchase %s credited %s tokens to user %s (%s)", purchase.pk, purchase.tokens, purchase.user_id, stripe_id)
    return purchase


def purchase_confirm(user: AbstractBaseUser, *, session_id: str) -> Purchase:
    """The success page: the user's purchase for that Checkout Session, fulfilled if Stripe
    (asked now, at most every CONFIRM_INTERVAL) says it is paid. Someone else's → 404."""
    purchase = selectors.purchase_for_session(user, session_id)
    now = timezone.now()
    if purchase.status != Status.PENDING or (purchase.checked_at and now - purchase.checked_at < CONFIRM_INTERVAL):
        return purchase
    Purchase.objects.filter(pk=purchase.pk).update(checked_at=now)
    try:
        fulfil_purchase(session_id)
    except stripe_api.StripeError:
        logger.warning("Could not ask Stripe about checkout session %s; the webhook will confirm it", session_id)
    purchase.refresh_from_db()
    return purchase


def purchase_expire(session: Mapping) -> Purchase | None:
    """checkout.session.expired: a purchase still pending will not be paid any more."""
    return _purchase_close_unpaid(session, status=Status.EXPIRED)


def purchase_payment_failed(session: Mapping) -> Purchase | None:
    """checkout.session.async_payment_failed: the bank debit did not go through."""
    return _purchase_close_unpaid(
        session, status=Status.FAILED, reason="The payment did not go through (Stripe: async payment failed)."
    )


def _purchase_close_unpaid(session: Mapping, *, status: str, reason: str = "") -> Purchase | None:
    """The Checkout Session's purchase, marked ``status`` (expired, failed) if it is still
    unpaid: Stripe will not take this payment any more."""
    with transaction.atomic():
        purchase = Purchase.objects.select_for_update().filter(checkout_session_id=session.get("id")).first()
        if purchase is not None and _still_unpaid(purchase):
            purchase.status = status
            purchase.failure_reason = reason
            purchase.save(update_fields=["status", "failure_reason", "updated_at"])
    return purchase


def _still_unpaid(purchase: Purchase) -> bool:
    return purchase.status == Status.PENDING and purchase.credit_entry_id is None


def purchase_charge_note(charge: Mapping) -> Purchase | None:
    """charge.succeeded / charge.updated: remember the charge and its receipt."""
    with transaction.atomic():
        purchase = _purchase_locked_for_charge(charge)
        if purchase is not None:
            _note_charge(purchase, charge)
            purchase.save()
    return purchase


# ---------------------------------------------------------------------------- taking back


def purchase_refund_sync(charge: Mapping) -> Purchase | None:
    """charge.refunded: take back the purchase's share of what is refunded so far.

    Stripe's ``amount_refunded`` is the running total, so the new share is the total's
    tokens minus what earlier refunds took: a repeated or late event takes nothing more.
    """
    with transaction.atomic():
        purchase = _purchase_locked_for_charge(charge)
        if purchase is None:
            logger.info("Refund of charge %s, which paid for no purchase of ours", charge.get("id"))
            return None
        _note_charge(purchase, charge)
        refunded = min(_int(charge.get("amount_refunded")), purchase.amount_cents)
        if refunded > purchase.refunded_cents:
            owed_before = sum(r.tokens_owed for r in purchase.reversals.all() if r.kind == PurchaseReversal.Kind.REFUND)
            owed = purchase.tokens * refunded // purchase.amount_cents - owed_before
            newly_refunded = refunded - purchase.refunded_cents
            purchase.refunded_cents = refunded
            _reversal_add(
                purchase,
                kind=PurchaseReversal.Kind.REFUND,
                key=f"stripe:refund:{charge['id']}:{refunded}",
                stripe_id=charge["id"],
                amount_cents=newly_refunded,
                tokens_owed=max(0, min(owed, _tokens_not_reversed(purchase))),
            )
        purchase.save()
    return purchase


def purchase_dispute_open(dispute: Mapping) -> Purchase | None:
    """charge.dispute.created: take back the disputed share of the purchase's tokens, once."""
    charge_ref = dispute.get("charge")
    charge_id = charge_ref.get("id") if isinstance(charge_ref, Mapping) else charge_ref
    with transaction.atomic():
        purchase = _purchase_locked_for_charge({"id": charge_id, "payment_intent": dispute.get("payment_intent")})
        if purchase is None:
            logger.info("Dispute %s of charge %s, which paid for no purchase of ours", dispute.get("id"), charge_id)
            return None
        key = f"stripe:dispute:{dispute['id']}"
        if not purchase.reversals.filter(key=key).exists():
            disputed = min(_int(dispute.get("amount")), purchase.amount_cents)
            _reversal_add(
                purchase,
                kind=PurchaseReversal.Kind.DISPUTE,
                key=key,
                stripe_id=dispute["id"],
                amount_cents=disputed,
                tokens_owed=min(purchase.tokens * disputed // purchase.amount_cents, _tokens_not_reversed(purchase)),
            )
            purchase.save()
    return purchase


# ---------------------------------------------------------------------------- webhooks


def webhook_receive(payload: bytes, *, signature: str | None, headers: Mapping[str, str], remote_ip: str):
    """A request to the webhook endpoint: verify Stripe's signature, then hand the event to
    dj-stripe, which syncs the Stripe objects and calls our receivers (``receivers``).

    Bad, missing or stale signature, or a body that is no event → WebhookRejected (400),
    nothing stored; no STRIPE_WEBHOOK_SECRET → WebhooksDisabled (503, Stripe retries). A verified event is recorded as a dj-stripe WebhookEventTrigger; an
    event dj-stripe has already processed is not processed again. Stripe unreachable while
    syncing → StripeUnavailable (503): nothing of it is kept and Stripe sends it again.
    """
    from djstripe.models import Event, WebhookEventTrigger
    from djstripe.settings import djstripe_settings

    if not signature:
        raise WebhookRejected("Missing Stripe-Signature header.")
    if not selectors.webhooks_enabled():
        raise WebhooksDisabled()
    data = _verified_event(payload, signature)
    trigger = WebhookEventTrigger.objects.create(
        remote_ip=remote_ip or "0.0.0.0",
        headers={name: value for name, value in headers.items() if name.lower() in WEBHOOK_HEADERS_KEPT},
        body=payload.decode("utf-8"),
        valid=True,
    )
    try:
        event = Event.process(data, api_key=djstripe_settings.get_default_api_key(data.get("livemode")))
    except Exception as exc:
        trigger.exception = str(exc)[:128]
        trigger.traceback = f"{type(exc).__name__}: {exc}"
        trigger.save()
        if isinstance(exc, stripe_api.StripeError):
            logger.warning("Stripe event %s not processed, Stripe unreachable: %s", data["id"], exc)
            raise StripeUnavailable() from None
        raise
    trigger.event = event
    trigger.processed = True
    trigger.save()
    return event


def _verified_event(payload: bytes, signature: str) -> dict:
    try:
        body = payload.decode("utf-8")
    except UnicodeDecodeError:
        raise WebhookRejected("The body is not UTF-8 text.") from None
    try:
        stripe.WebhookSignature.verify_header(
            body, signature, settings.STRIPE_WEBHOOK_SECRET, settings.STRIPE_WEBHOOK_TOLERANCE_SECONDS
        )
    except stripe.SignatureVerificationError as exc:
        raise WebhookRejected(f"Stripe-Signature does not verify: {exc.user_message or 'bad signature'}") from None
    try:
        data = json.loads(body)
    except ValueError:
        raise BadRequest("The body is not JSON.") from None
    if not (
        isinstance(data, dict)
        and data.get("object") == "event"
        and isinstance(data.get("id"), str)
        and isinstance(data.get("type"), str)
        and isinstance(data.get("data"), dict)
        and isinstance(data["data"].get("object"), dict)
        and isinstance(data["data"]["object"].get("id"), str)
    ):
        raise BadRequest("The body is not a Stripe event.")
    return data


# ---------------------------------------------------------------------------- helpers


def payment_from_stripe(data: Mapping) -> Payment:
    """Read a Checkout Session or PaymentIntent (related objects as ids or expanded)."""
    metadata = data.get("metadata") or {}
    if data.get("object") == "checkout.session":
        intent = data.get("payment_intent")
        intent_id = intent.get("id") if isinstance(intent, Mapping) else intent
        charge = intent.get("latest_charge") if isinstance(intent, Mapping) else None
        return Payment(
            stripe_id=data["id"],
            flow=Flow.CHECKOUT,
            purchase_ref=data.get("client_reference_id") or metadata.get("purchase_id") or "",
            pack=metadata.get("pack", ""),
            paid=data.get("status") == "complete" and data.get("payment_status") == "paid",
            amount=data.get("amount_total"),
            currency=(data.get("currency") or "").lower(),
            payment_intent_id=intent_id or None,
            charge_id=_id_of(charge),
            receipt_url=(charge.get("receipt_url") or "") if isinstance(charge, Mapping) else "",
            closed_unpaid=data.get("status") == "expired",
        )
    if data.get("object") == "payment_intent":
        charge = data.get("latest_charge")
        return Payment(
            stripe_id=data["id"],
            flow=Flow.INTENT,
            purchase_ref=metadata.get("purchase_id") or "",
            pack=metadata.get("pack", ""),
            paid=data.get("status") == "succeeded",
            amount=data.get("amount_received"),
            currency=(data.get("currency") or "").lower(),
            payment_intent_id=data["id"],
            charge_id=_id_of(charge),
            receipt_url=(charge.get("receipt_url") or "") if isinstance(charge, Mapping) else "",
            closed_unpaid=data.get("status") == "canceled",
        )
    raise ValueError(f"Not a Checkout Session or PaymentIntent: {data.get('object')!r}")


def _purchase_locked_for(payment: Payment) -> Purchase | None:
    """The purchase a payment is for, locked: by the Stripe id we stored, else (a session
    whose creation answer was lost) by the purchase id the object carries."""
    locked = Purchase.objects.select_for_update()
    field = "checkout_session_id" if payment.flow == Flow.CHECKOUT else "payment_intent_id"
    purchase = locked.filter(**{field: payment.stripe_id}, flow=payment.flow).first()
    if purchase is not None:
        return purchase
    if not payment.purchase_ref:
        logger.info("Stripe %s %s names no purchase; not ours", payment.flow, payment.stripe_id)
        return None
    pk = as_uuid(payment.purchase_ref)
    purchase = locked.filter(pk=pk, flow=payment.flow, **{f"{field}__isnull": True}).first() if pk is not None else None
    if purchase is None:
        _problem(
            PaymentProblem.Kind.UNKNOWN_PURCHASE,
            payment.stripe_id,
            detail=f"Stripe {payment.flow} {payment.stripe_id} names purchase {payment.purchase_ref!r}, "
            f"which does not exist or is paid by another Stripe object (pack {payment.pack!r}, "
            f"{payment.amount} {payment.currency}). Nothing was credited.",
        )
        return None
    setattr(purchase, field, payment.stripe_id)
    return purchase


def _purchase_locked_for_charge(charge: Mapping) -> Purchase | None:
    """The purchase a charge paid for, locked: by its PaymentIntent, its own id, or the
    purchase id in the PaymentIntent's metadata (as dj-stripe synced it)."""
    from djstripe.models import PaymentIntent

    locked = Purchase.objects.select_for_update()
    intent_id = _id_of(charge.get("payment_intent"))
    charge_id = charge.get("id") or ""
    purchase = locked.filter(payment_intent_id=intent_id).first() if intent_id else None
    if purchase is None and charge_id:
        purchase = locked.filter(charge_id=charge_id).first()
    if purchase is None and intent_id:
        synced = PaymentIntent.objects.filter(id=intent_id).first()
        metadata = (synced.stripe_data.get("metadata") if synced else None) or charge.get("metadata") or {}
        pk = as_uuid(metadata.get("purchase_id"))
        if pk is not None:
            purchase = locked.filter(pk=pk, payment_intent_id__isnull=True).first()
            if purchase is not None:
                purchase.payment_intent_id = intent_id
    return purchase


def _mismatch(purchase: Purchase, payment: Payment) -> tuple[str, str] | None:
    if payment.pack and payment.pack != purchase.pack:
        return PaymentProblem.Kind.PACK_MISMATCH, (
            f"Stripe {payment.stripe_id} is for pack {payment.pack!r}, purchase {purchase.pk} for {purchase.pack!r}. "
            "Nothing was credited."
        )
    if payment.amount != purchase.amount_cents or payment.currency != purchase.currency:
        return PaymentProblem.Kind.AMOUNT_MISMATCH, (
            f"Stripe {payment.stripe_id} was paid {payment.amount} {payment.currency}, purchase {purchase.pk} "
            f"asked {purchase.amount_cents} {purchase.currency}. Nothing was credited."
        )
    return None


def _note_payment(purchase: Purchase, payment: Payment) -> None:
    if payment.payment_intent_id and not purchase.payment_intent_id:
        purchase.payment_intent_id = payment.payment_intent_id
    if payment.charge_id:
        purchase.charge_id = payment.charge_id
    if payment.receipt_url:
        purchase.receipt_url = payment.receipt_url


def _note_charge(purchase: Purchase, charge: Mapping) -> None:
    if charge.get("id"):
        purchase.charge_id = charge["id"]
    if charge.get("receipt_url"):
        purchase.receipt_url = charge["receipt_url"]


def _reversal_add(
    purchase: Purchase, *, kind: str, key: str, stripe_id: str, amount_cents: int, tokens_owed: int
) -> None:
    """Record one Stripe change that takes (part of) the purchase back; its tokens are taken
    now if the purchase is credited, else by ``fulfil_purchase`` when it is."""
    reversal = PurchaseReversal.objects.create(
        purchase=purchase, kind=kind, key=key, stripe_id=stripe_id, amount_cents=amount_cents, tokens_owed=tokens_owed
    )
    if purchase.credit_entry_id is not None:
        _reversal_apply(purchase, reversal)
        purchase.status = _status_after_reversals(purchase)


def _reversal_apply(purchase: Purchase, reversal: PurchaseReversal) -> None:
    """Take the reversal's tokens back, never below zero; the rest is a shortfall for staff."""
    shortfall = 0
    if reversal.tokens_owed > 0:
        what = "Refund" if reversal.kind == PurchaseReversal.Kind.REFUND else "Dispute"
        entry, shortfall = economy.wallet_debit_available(
            purchase.user,
            amount=reversal.tokens_owed,
            reference=f"purchase:{purchase.pk}",
            reason=f"{what} at Stripe of the {_description(purchase)} ({reversal.stripe_id})",
            idempotency_key=reversal.key,
        )
        reversal.ledger_entry = entry
    reversal.tokens_taken = reversal.tokens_owed - shortfall
    reversal.shortfall_tokens = shortfall
    reversal.applied_at = timezone.now()
    reversal.save()
    if shortfall:
        _problem(
            PaymentProblem.Kind.SHORTFALL,
            reversal.key,
            purchase=purchase,
            detail=f"{reversal.get_kind_display()} {reversal.stripe_id} of purchase {purchase.pk}: "
            f"{reversal.tokens_owed} tokens owed, {reversal.tokens_taken} taken, {shortfall} short "
            f"(user {purchase.user} had spent them).",
        )


def _status_after_reversals(purchase: Purchase) -> str:
    if purchase.reversals.filter(kind=PurchaseReversal.Kind.DISPUTE).exists():
        return Status.DISPUTED
    if purchase.refunded_cents >= purchase.amount_cents:
        return Status.REFUNDED
    if purchase.refunded_cents > 0:
        return Status.PARTIALLY_REFUNDED
    return Status.PAID


def _tokens_not_reversed(purchase: Purchase) -> int:
    return max(0, purchase.tokens - sum(r.tokens_owed for r in purchase.reversals.all()))


def _problem(kind: str, stripe_id: str, *, detail: str, purchase: Purchase | None = None) -> None:
    """Record (once per kind and Stripe id) and log something staff must look at."""
    logger.warning("Payment problem (%s) %s: %s", kind, stripe_id, detail)
    try:
        with transaction.atomic():
            PaymentProblem.objects.get_or_create(
                kind=kind, stripe_id=stripe_id, defaults={"purchase": purchase, "detail": detail}
            )
    except IntegrityError:  # recorded by a concurrent request
        pass


def _pack_for_sale(name: str) -> selectors.Pack:
    if not selectors.purchases_enabled():
        raise PurchasesDisabled()
    pack = selectors.pack_named(name)
    if pack is None:
        raise UnknownPack(name, [pack.name for pack in selectors.packs()])
    return pack


def _purchase_new(user: AbstractBaseUser, *, pack: str, flow: str) -> Purchase:
    """A pending purchase of a pack on sale, at the pack's tokens and price now."""
    chosen = _pack_for_sale(pack)
    return Purchase.objects.create(
        user=user, pack=chosen.name, tokens=chosen.tokens, amount_cents=chosen.price_cents, currency=chosen.currency,
        flow=flow,
    )


def _stripe_create(purchase: Purchase, create: Callable[..., Mapping], params: dict) -> Mapping:
    """The purchase's Stripe object (Checkout Session or PaymentIntent), made by ``create``
    once per purchase (the idempotency key names it). Stripe refusing or unreachable → the
    purchase is marked failed and StripeUnavailable (503); nothing was charged."""
    try:
        return create(params, idempotency_key=f"vanikeys-purchase-{purchase.pk}")
    except stripe_api.StripeError as exc:
        logger.error("Stripe refused or could not be reached for purchase %s: %s", purchase.pk, exc)
        purchase.status = Status.FAILED
        purchase.failure_reason = f"{type(exc).__name__}: {exc}"[:255]
        purchase.save(update_fields=["status", "failure_reason", "updated_at"])
        raise StripeUnavailable() from None


def _metadata(purchase: Purchase) -> dict[str, str]:
    """What Stripe shows next to the payment: our ids, never the integer keys (``user_id``
    is the user's opaque ``public_id``; nothing reads it back, it is for people at Stripe)."""
    return {
        "purchase_id": str(purchase.pk),
        "pack": purchase.pack,
        "tokens": str(purchase.tokens),
        "user_id": str(purchase.user.public_id),
        "flow": purchase.flow,
    }


def _description(purchase: Purchase) -> str:
    return f"VaniKeys {purchase.pack.capitalize()} pack ({purchase.tokens:,} tokens)"


def _id_of(value) -> str:
    if isinstance(value, Mapping):
        return value.get("id") or ""
    return value or ""


def _int(value) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0
