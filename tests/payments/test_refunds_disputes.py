"""Refunds and disputes at Stripe take the refunded (or disputed) share of a purchase's
tokens back once, as a ledger entry referencing the purchase, never below zero: what the
balance cannot cover is a recorded shortfall staff see."""
import pytest

from economy import selectors as economy
from economy import services as economy_services
from payments import services
from payments.models import PaymentProblem, PurchaseReversal
from tests.payments.conftest import deliver

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(stripe_standin, user):
    """A Power pack (2,500 tokens, $14.99), paid and credited; returns (purchase, charge id)."""
    purchase = services.purchase_start(user, pack="power", success_url="http://testserver/s?{CHECKOUT_SESSION_ID}",
                                       cancel_url="http://testserver/c")
    assert deliver(stripe_standin.pay(purchase.checkout_session_id)) == [200, 200, 200]
    purchase.refresh_from_db()
    assert economy.balance(user) == 2500
    return purchase, stripe_standin.charge_of_session(purchase.checkout_session_id)["id"]


def spend(user, tokens: int) -> None:
    economy_services.wallet_debit(user, amount=tokens, kind="pull", reference="test:spend", reason="test")


def test_a_full_refund_takes_every_token_back_once(stripe_standin, paid, user):
    purchase, charge = paid
    events = stripe_standin.refund(charge)
    assert deliver(events + events) == [200, 200]
    purchase.refresh_from_db()
    assert economy.balance(user) == 0
    assert purchase.status == "refunded" and purchase.refunded_cents == 1499
    reversal = purchase.reversals.get()
    assert (reversal.kind, reversal.tokens_owed, reversal.tokens_taken, reversal.shortfall_tokens) == ("refund", 2500, 2500, 0)
    entry = reversal.ledger_entry
    assert (entry.kind, entry.amount, entry.reference) == ("adjustment", -2500, f"purchase:{purchase.pk}")
    assert charge in entry.reason


def test_partial_refunds_take_their_share_each(stripe_standin, paid, user):
    purchase, charge = paid
    first = stripe_standin.refund(charge, amount=500)  # a third of $14.99 → 833 tokens
    assert deliver(first) == [200]
    purchase.refresh_from_db()
    assert purchase.status == "partially_refunded" and economy.balance(user) == 2500 - 833
    second = stripe_standin.refund(charge, amount=999)  # the rest → the other 1,667
    assert deliver(second + first + second) == [200, 200, 200]
    purchase.refresh_from_db()
    assert purchase.status == "refunded" and economy.balance(user) == 0
    assert sorted(r.tokens_owed for r in purchase.reversals.all()) == [833, 1667]


def test_refund_events_out_of_order_take_the_total_once(stripe_standin, paid, user):
    purchase, charge = paid
    first = stripe_standin.refund(charge, amount=500)
    second = stripe_standin.refund(charge, amount=999)
    # dj-stripe re-fetches the charge, so each event applies Stripe's running total now
    assert deliver(second + first) == [200, 200]
    assert economy.balance(user) == 0
    assert sum(r.tokens_owed for r in PurchaseReversal.objects.all()) == 2500


def test_a_refund_after_the_tokens_were_spent_never_goes_negative(stripe_standin, paid, user):
    purchase, charge = paid
    spend(user, 2000)
    assert deliver(stripe_standin.refund(charge)) == [200]
    reversal = PurchaseReversal.objects.get()
    assert economy.balance(user) == 0
    assert (reversal.tokens_owed, reversal.tokens_taken, reversal.shortfall_tokens) == (2500, 500, 2000)
    problem = PaymentProblem.objects.get(kind="shortfall")
    assert problem.purchase == purchase and "2000 short" in problem.detail


def test_a_refund_with_nothing_left_records_the_whole_shortfall(stripe_standin, paid, user):
    purchase, charge = paid
    spend(user, 2500)
    assert deliver(stripe_standin.refund(charge)) == [200]
    reversal = PurchaseReversal.objects.get()
    assert reversal.ledger_entry.amount == 0 and reversal.shortfall_tokens == 2500 and reversal.applied_at
    assert economy.balance(user) == 0
    # tokens arriving later are not taken by a repeat of the same event
    economy_services.wallet_grant(user, amount=10, reason="test", created_by=None)
    assert deliver(stripe_standin.events[-1:]) == [200]
    assert economy.balance(user) == 10


def test_a_dispute_takes_the_disputed_share_back_once(stripe_standin, paid, user):
    purchase, charge = paid
    events = stripe_standin.dispute(charge)
    assert deliver(events + events) == [200, 200]
    purchase.refresh_from_db()
    assert purchase.status == "disputed" and economy.balance(user) == 0
    reversal = purchase.reversals.get()
    assert (reversal.kind, reversal.stripe_id, reversal.tokens_owed) == ("dispute", events[0]["data"]["object"]["id"], 2500)
    assert reversal.ledger_entry.reference == f"purchase:{purchase.pk}"


def test_a_partial_dispute_and_a_refund_never_take_more_than_the_pack(stripe_standin, paid, user):
    purchase, charge = paid
    deliver(stripe_standin.dispute(charge, amount=1000))
    deliver(stripe_standin.refund(charge))
    assert sum(r.tokens_owed for r in PurchaseReversal.objects.all()) == 2500
    assert economy.balance(user) == 0


def test_a_refund_before_the_payment_event_is_applied_after_the_credit(stripe_standin, user):
    purchase = services.purchase_start(user, pack="starter", success_url="http://t/s?{CHECKOUT_SESSION_ID}",
                                       cancel_url="http://t/c")
    paid_events = stripe_standin.pay(purchase.checkout_session_id)
    refund_events = stripe_standin.refund(stripe_standin.charge_of_session(purchase.checkout_session_id)["id"])
    assert deliver(refund_events) == [200]
    assert economy.balance(user) == 0
    assert deliver(paid_events) == [200, 200, 200]
    purchase.refresh_from_db()
    assert purchase.status == "refunded" and economy.balance(user) == 0
    assert [entry.amount for entry in economy.transactions(user).order_by("id")] == [100, -100]


def test_refund_of_a_charge_that_is_not_ours_changes_nothing(stripe_standin, user):
    intent = stripe_standin.create_payment_intent({"amount": "700", "currency": "usd"})
    stripe_standin.pay_intent(intent["id"])
    charge = stripe_standin.objects[intent["id"]]["latest_charge"]
    assert deliver(stripe_standin.refund(charge)) == [200]
    assert not PurchaseReversal.objects.exists() and not PaymentProblem.objects.exists()
