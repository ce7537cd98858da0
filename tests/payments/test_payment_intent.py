"""create-intent purchases are credited from payment_intent.succeeded, keyed by the
PaymentIntent; a Checkout purchase is never credited by its PaymentIntent's event."""
import pytest

from economy import selectors as economy
from payments import services
from tests.payments.conftest import deliver

pytestmark = pytest.mark.django_db


def test_a_succeeded_intent_credits_once(stripe_standin, user):
    purchase, secret = services.purchase_start_intent(user, pack="whale")
    assert secret.startswith(purchase.payment_intent_id)
    events = stripe_standin.pay_intent(purchase.payment_intent_id)
    assert deliver(events + list(reversed(events))) == [200, 200, 200, 200]
    purchase.refresh_from_db()
    assert economy.balance(user) == 10_000 and purchase.status == "paid"
    assert purchase.credit_entry.idempotency_key == f"stripe:{purchase.payment_intent_id}"
    assert purchase.receipt_url.endswith(purchase.charge_id)


def test_an_intent_refund_takes_the_tokens_back(stripe_standin, user):
    purchase, _ = services.purchase_start_intent(user, pack="starter")
    deliver(stripe_standin.pay_intent(purchase.payment_intent_id))
    charge = stripe_standin.objects[purchase.payment_intent_id]["latest_charge"]
    assert deliver(stripe_standin.refund(charge)) == [200]
    purchase.refresh_from_db()
    assert purchase.status == "refunded" and economy.balance(user) == 0


def test_a_checkout_purchase_is_not_credited_by_its_payment_intent(stripe_standin, user):
    purchase = services.purchase_start(user, pack="starter", success_url="http://t/s?{CHECKOUT_SESSION_ID}",
                                       cancel_url="http://t/c")
    events = stripe_standin.pay(purchase.checkout_session_id)
    intent_event = next(event for event in events if event["type"] == "payment_intent.succeeded")
    assert deliver([intent_event]) == [200]
    assert economy.balance(user) == 0
    assert deliver(events) == [200, 200, 200]
    assert economy.balance(user) == 100
