"""POST /api/payments/webhook with real signed payloads: verified, handed to dj-stripe
(which re-fetches the objects from the Stripe stand-in), fulfilled exactly once."""
import json
import logging
import time

import pytest
from djstripe import models as djstripe_models

from economy import selectors as economy
from payments import services
from payments.models import PaymentProblem, Purchase
from tests.payments.conftest import deliver, post_event
from tests.payments.stripe_standin import sign

pytestmark = pytest.mark.django_db


@pytest.fixture
def started(stripe_standin, user):
    """A Popular pack (500 tokens, $3.99) at Checkout, not yet paid."""
    return services.purchase_start(
        user, pack="popular", success_url="http://testserver/pricing/success?session_id={CHECKOUT_SESSION_ID}",
        cancel_url="http://testserver/pricing/cancel",
    )


def completed_event(events):
    return next(event for event in events if event["type"] == "checkout.session.completed")


def nothing_stored():
    return (
        not djstripe_models.WebhookEventTrigger.objects.exists()
        and not djstripe_models.Event.objects.exists()
        and not djstripe_models.Session.objects.exists()
    )


def test_a_paid_checkout_is_credited_once(stripe_standin, started, user):
    events = stripe_standin.pay(started.checkout_session_id)
    response = post_event(completed_event(events))
    assert response.status_code == 200 and response.json() == {"received": True, "event": completed_event(events)["id"]}
    started.refresh_from_db()
    assert economy.balance(user) == 500
    assert started.status == "paid" and started.paid_at is not None
    entry = started.credit_entry
    assert (entry.kind, entry.amount, entry.reference, entry.idempotency_key) == (
        "purchase", 500, f"purchase:{started.pk}", f"stripe:{started.checkout_session_id}"
    )
    assert started.payment_intent_id == stripe_standin.objects[started.checkout_session_id]["payment_intent"]


def test_dj_stripe_syncs_the_objects_from_the_stripe_api(stripe_standin, started):
    post_event(completed_event(stripe_standin.pay(started.checkout_session_id)))
    started.refresh_from_db()
    session = djstripe_models.Session.objects.get(id=started.checkout_session_id)
    assert session.stripe_data["payment_status"] == "paid" and session.client_reference_id == str(started.pk)
    assert session.payment_intent.id == started.payment_intent_id
    assert djstripe_models.Event.objects.get().type == "checkout.session.completed"
    trigger = djstripe_models.WebhookEventTrigger.objects.get()
    assert trigger.valid and trigger.processed and trigger.event.type == "checkout.session.completed"
    # dj-stripe's own calls went to the stand-in: the account (first event for the key)
    # and the session re-fetched rather than trusted from the payload
    assert "/v1/account" in stripe_standin.paths("GET")
    assert f"/v1/checkout/sessions/{started.checkout_session_id}" in stripe_standin.paths("GET")


def test_the_same_event_twice_credits_once(stripe_standin, started, user):
    event = completed_event(stripe_standin.pay(started.checkout_session_id))
    assert deliver([event, event]) == [200, 200]
    assert economy.balance(user) == 500
    assert economy.transactions(user).count() == 1
    assert djstripe_models.WebhookEventTrigger.objects.count() == 2 and djstripe_models.Event.objects.count() == 1


def test_every_event_of_a_payment_in_any_order_credits_once(stripe_standin, started, user):
    events = stripe_standin.pay(started.checkout_session_id)
    assert [event["type"] for event in events] == ["charge.succeeded", "payment_intent.succeeded", "checkout.session.completed"]
    assert deliver(list(reversed(events))) == [200, 200, 200]
    assert deliver(events) == [200, 200, 200]
    assert economy.balance(user) == 500 and economy.transactions(user).count() == 1
    started.refresh_from_db()
    charge = stripe_standin.charge_of_session(started.checkout_session_id)
    assert started.charge_id == charge["id"] and started.receipt_url == charge["receipt_url"]


def test_completed_and_async_succeeded_for_one_session_credit_once(stripe_standin, started, user):
    first = stripe_standin.pay(started.checkout_session_id, settle=False)
    assert deliver(first) == [200]
    assert economy.balance(user) == 0
    started.refresh_from_db()
    assert started.status == "pending"
    settled = stripe_standin.settle(started.checkout_session_id)
    assert deliver(list(reversed(settled))) == [200, 200, 200]
    assert deliver(first) == [200]  # the old "completed" again, after the payment went through
    assert economy.balance(user) == 500 and economy.transactions(user).count() == 1


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "t=1,v1=deadbeef",
        "garbage",
        "bad-secret",
        "stale",
        "future-stripped",
    ],
)
def test_bad_missing_or_stale_signatures_are_400_and_store_nothing(stripe_standin, started, user, header):
    event = completed_event(stripe_standin.pay(started.checkout_session_id))
    body = json.dumps(event).encode()
    if header == "bad-secret":
        header = sign(body, "whsec_someone_else")
    elif header == "stale":
        header = sign(body, timestamp=int(time.time()) - 3600)
    elif header == "future-stripped":
        header = sign(body).split(",")[0]  # a timestamp with no signature
    response = post_event(body, signature=header)
    assert response.status_code == 400
    # no header at all is refused by the schema (the header is required), the rest by the check
    assert response.json()["error"] == ("bad_request" if header is None else "bad_signature")
    assert economy.balance(user) == 0 and nothing_stored()
    started.refresh_from_db()
    assert started.status == "pending"


def test_a_tampered_body_does_not_verify(stripe_standin, started, user):
    event = completed_event(stripe_standin.pay(started.checkout_session_id))
    body = json.dumps(event).encode()
    header = sign(body)
    tampered = body.replace(b'"livemode": false', b'"livemode": true')
    assert post_event(tampered, signature=header).status_code == 400
    assert economy.balance(user) == 0 and nothing_stored()


def test_a_signed_body_that_is_no_event_is_400(stripe_standin):
    for body in (b"not json", b"[]", json.dumps({"object": "event", "id": "evt_1"}).encode()):
        response = post_event(body)
        assert response.status_code == 400 and response.json()["error"] == "bad_request"
    assert nothing_stored()


def test_without_a_webhook_secret_the_endpoint_refuses(stripe_standin, started, settings, user):
    settings.STRIPE_WEBHOOK_SECRET = ""
    response = post_event(completed_event(stripe_standin.pay(started.checkout_session_id)))
    assert response.status_code == 503 and response.json()["error"] == "webhooks_disabled"
    assert economy.balance(user) == 0 and nothing_stored()


def test_a_mismatched_amount_credits_nothing_and_is_logged(stripe_standin, started, user, caplog):
    events = stripe_standin.pay(started.checkout_session_id, amount=99)
    with caplog.at_level(logging.WARNING, logger="payments.services"):
        assert deliver(events) == [200, 200, 200]
    started.refresh_from_db()
    assert economy.balance(user) == 0 and started.credit_entry is None
    assert started.status == "mismatched"
    problem = PaymentProblem.objects.get()
    assert (problem.kind, problem.stripe_id, problem.purchase) == ("amount_mismatch", started.checkout_session_id, started)
    assert "paid 99 usd" in problem.detail and "asked 399 usd" in problem.detail
    assert any("amount_mismatch" in record.getMessage() for record in caplog.records)
    assert deliver(events) == [200, 200, 200] and PaymentProblem.objects.count() == 1


def test_a_mismatched_currency_credits_nothing(stripe_standin, started, user):
    stripe_standin.objects[started.checkout_session_id]["currency"] = "eur"
    deliver(stripe_standin.pay(started.checkout_session_id))
    assert economy.balance(user) == 0
    assert PaymentProblem.objects.get().kind == "amount_mismatch"


def test_an_unknown_pack_credits_nothing_and_is_logged(stripe_standin, started, user, caplog):
    stripe_standin.objects[started.checkout_session_id]["metadata"]["pack"] = "mega"
    with caplog.at_level(logging.WARNING, logger="payments.services"):
        deliver(stripe_standin.pay(started.checkout_session_id))
    assert economy.balance(user) == 0
    problem = PaymentProblem.objects.get()
    assert problem.kind == "pack_mismatch" and "'mega'" in problem.detail
    assert any("pack_mismatch" in record.getMessage() for record in caplog.records)


def test_a_session_for_no_purchase_of_ours_credits_nothing_and_is_logged(stripe_standin, user, caplog):
    session = stripe_standin.create_checkout_session(
        {
            "mode": "payment",
            "client_reference_id": "0b7c1f7e-9d0e-4c44-8a51-0d6f9e0d1a11",
            "metadata": {"pack": "whale"},
            "line_items": [{"quantity": "1", "price_data": {"currency": "usd", "unit_amount": "4999"}}],
            "success_url": "http://testserver/pricing/success?session_id={CHECKOUT_SESSION_ID}",
        }
    )
    with caplog.at_level(logging.WARNING, logger="payments.services"):
        assert deliver(stripe_standin.pay(session["id"])) == [200, 200, 200]
    assert economy.balance(user) == 0 and not Purchase.objects.exists()
    assert PaymentProblem.objects.get().kind == "unknown_purchase"


@pytest.mark.parametrize("reference", ["not-a-uuid", "42", "0b7c1f7e-9d0e-4c44-8a51-0d6f9e0d1a1"])
def test_a_session_naming_something_not_a_purchase_id_credits_nothing(stripe_standin, user, reference):
    session = stripe_standin.create_checkout_session(
        {
            "mode": "payment",
            "client_reference_id": reference,
            "metadata": {"pack": "starter", "purchase_id": reference},
            "line_items": [{"quantity": "1", "price_data": {"currency": "usd", "unit_amount": "199"}}],
            "success_url": "http://x/",
        }
    )
    assert deliver(stripe_standin.pay(session["id"])) == [200, 200, 200]
    assert economy.balance(user) == 0
    problem = PaymentProblem.objects.get()
    assert problem.kind == "unknown_purchase" and repr(reference) in problem.detail


def test_a_session_not_naming_a_purchase_is_ignored(stripe_standin, user):
    session = stripe_standin.create_checkout_session(
        {"mode": "payment", "line_items": [{"quantity": "1", "price_data": {"currency": "usd", "unit_amount": "500"}}],
         "success_url": "http://x/"}
    )
    assert deliver(stripe_standin.pay(session["id"])) == [200, 200, 200]
    assert not PaymentProblem.objects.exists() and economy.balance(user) == 0


def test_stripe_unreachable_while_syncing_is_a_503_and_a_retry_credits(stripe_standin, started, user):
    event = completed_event(stripe_standin.pay(started.checkout_session_id))
    stripe_standin.fail_next = 10
    response = post_event(event)
    assert response.status_code == 503 and response.json()["error"] == "payment_provider_unavailable"
    assert economy.balance(user) == 0 and not djstripe_models.Event.objects.exists()
    trigger = djstripe_models.WebhookEventTrigger.objects.get()
    assert not trigger.processed and trigger.exception
    stripe_standin.fail_next = 0
    assert post_event(event).status_code == 200
    assert economy.balance(user) == 500


def test_an_expired_checkout_marks_the_purchase(stripe_standin, started, user):
    assert deliver(stripe_standin.expire(started.checkout_session_id)) == [200]
    started.refresh_from_db()
    assert started.status == "expired" and economy.balance(user) == 0


def test_a_session_whose_creation_answer_was_lost_is_found_by_its_reference(stripe_standin, started, user):
    session_id = started.checkout_session_id
    Purchase.objects.filter(pk=started.pk).update(checkout_session_id=None)
    deliver(stripe_standin.pay(session_id))
    started.refresh_from_db()
    assert started.checkout_session_id == session_id and economy.balance(user) == 500
