"""The success page confirms by asking Stripe (never trusting the URL), says
"confirming…" until Stripe has the payment, refreshes itself (htmx, or a meta refresh
without JavaScript), and racing the webhook still credits once."""
import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone
from djstripe import models as djstripe_models

from economy import selectors as economy
from payments import services
from payments.models import Purchase
from tests.payments.conftest import deliver

pytestmark = pytest.mark.django_db


@pytest.fixture
def started(stripe_standin, user):
    return services.purchase_start(user, pack="starter", success_url="http://testserver/pricing/success?session_id={CHECKOUT_SESSION_ID}",
                                   cancel_url="http://testserver/pricing/cancel")


@pytest.fixture
def owner(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def success(client: Client, session_id: str):
    return client.get("/pricing/success", {"session_id": session_id})


def test_success_page_first_credits_by_asking_stripe_then_the_webhook_adds_nothing(stripe_standin, started, owner, user):
    events = stripe_standin.pay(started.checkout_session_id)
    requests_before = len(stripe_standin.requests)
    page = success(owner, started.checkout_session_id).content.decode()
    assert "Payment confirmed" in page and 'data-testid="purchase-balance">100<' in page
    assert ("GET", f"/v1/checkout/sessions/{started.checkout_session_id}") in stripe_standin.requests[requests_before:]
    assert economy.balance(user) == 100
    # what the success page retrieved is handed to dj-stripe too
    assert djstripe_models.Session.objects.get(id=started.checkout_session_id).stripe_data["payment_status"] == "paid"
    assert deliver(events) == [200, 200, 200]
    assert deliver(events) == [200, 200, 200]
    assert economy.balance(user) == 100 and economy.transactions(user).count() == 1
    started.refresh_from_db()
    assert started.receipt_url and started.receipt_url in success(owner, started.checkout_session_id).content.decode()


def test_webhook_first_then_the_success_page_shows_it_confirmed(stripe_standin, started, owner, user):
    deliver(stripe_standin.pay(started.checkout_session_id))
    requests_before = len(stripe_standin.requests)
    page = success(owner, started.checkout_session_id).content.decode()
    assert "Payment confirmed" in page
    assert stripe_standin.requests[requests_before:] == []  # already paid: Stripe is not asked again
    assert economy.balance(user) == 100


def test_an_unpaid_session_in_the_url_credits_nothing(stripe_standin, started, owner, user):
    response = success(owner, started.checkout_session_id)
    page = response.content.decode()
    assert response.status_code == 200 and "Confirming your payment" in page
    assert economy.balance(user) == 0


def test_confirming_page_polls_with_htmx_and_refreshes_without_javascript(stripe_standin, started, owner):
    stripe_standin.pay(started.checkout_session_id, settle=False)
    page = success(owner, started.checkout_session_id).content.decode()
    assert "Confirming your payment" in page
    assert f'hx-get="/pricing/purchases/{started.pk}/status"' in page and 'hx-trigger="every 2s"' in page
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in page


def test_the_status_panel_turns_confirmed_when_stripe_settles(stripe_standin, started, owner, user):
    stripe_standin.pay(started.checkout_session_id, settle=False)
    url = f"/pricing/purchases/{started.pk}/status"
    assert "Confirming" in owner.get(url, headers={"HX-Request": "true"}).content.decode()
    stripe_standin.settle(started.checkout_session_id)
    Purchase.objects.filter(pk=started.pk).update(checked_at=timezone.now() - dt.timedelta(seconds=10))
    panel = owner.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "Payment confirmed" in panel and "hx-get" not in panel
    assert 'id="wallet-badge" hx-swap-oob="true"' in panel and ">100<" in panel
    assert economy.balance(user) == 100


def test_stripe_is_asked_at_most_every_couple_of_seconds(stripe_standin, started, owner):
    success(owner, started.checkout_session_id)
    asked = len(stripe_standin.paths("GET"))
    success(owner, started.checkout_session_id)
    owner.get(f"/pricing/purchases/{started.pk}/status")
    assert len(stripe_standin.paths("GET")) == asked


def test_stripe_unreachable_leaves_it_confirming(stripe_standin, started, owner, user):
    stripe_standin.pay(started.checkout_session_id)
    stripe_standin.fail_next = 10
    response = success(owner, started.checkout_session_id)
    assert response.status_code == 200 and "Confirming your payment" in response.content.decode()
    assert economy.balance(user) == 0


def test_someone_elses_session_is_404(stripe_standin, started, other_user):
    stripe_standin.pay(started.checkout_session_id)
    other = Client()
    other.force_login(other_user)
    assert success(other, started.checkout_session_id).status_code == 404
    assert other.get(f"/pricing/purchases/{started.pk}/status").status_code == 404
    assert success(other, "").status_code == 404 and success(other, "cs_made_up").status_code == 404
    assert economy.balance(started.user) == 0


def test_success_page_needs_log_in(stripe_standin, started):
    response = success(Client(), started.checkout_session_id)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_mismatched_payment_says_it_is_held(stripe_standin, started, owner, user):
    stripe_standin.pay(started.checkout_session_id, amount=1)
    page = success(owner, started.checkout_session_id).content.decode()
    assert "We are checking this payment" in page and economy.balance(user) == 0


def test_a_bounced_bank_debit_says_so_and_credits_nothing(stripe_standin, started, owner, user):
    assert deliver(stripe_standin.pay(started.checkout_session_id, settle=False)) == [200]
    assert "Confirming your payment" in success(owner, started.checkout_session_id).content.decode()
    assert deliver(stripe_standin.fail_async(started.checkout_session_id)) == [200]
    page = success(owner, started.checkout_session_id).content.decode()
    assert "The payment did not go through" in page and "hx-get" not in page
    started.refresh_from_db()
    assert started.status == "failed" and economy.balance(user) == 0


def test_a_session_stripe_expired_stops_confirming(stripe_standin, started, owner, user):
    stripe_standin.expire(started.checkout_session_id)  # its event never arrives
    page = success(owner, started.checkout_session_id).content.decode()
    assert "This checkout expired" in page and "hx-get" not in page
    started.refresh_from_db()
    assert started.status == "expired" and economy.balance(user) == 0
