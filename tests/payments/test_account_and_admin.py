"""Purchases on the account page (pack, amount, status, date, receipt, refunds) and in
the admin (Stripe ids, status, ledger entries; search by user and Stripe id; problems)."""
import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from payments import services
from payments.models import PaymentProblem, Purchase, PurchaseReversal
from tests.factories import UserFactory
from tests.payments.conftest import deliver

pytestmark = pytest.mark.django_db


@pytest.fixture
def refunded_purchase(stripe_standin, user):
    purchase = services.purchase_start(user, pack="power", success_url="http://t/s?{CHECKOUT_SESSION_ID}", cancel_url="http://t/c")
    deliver(stripe_standin.pay(purchase.checkout_session_id))
    deliver(stripe_standin.refund(stripe_standin.charge_of_session(purchase.checkout_session_id)["id"], amount=500))
    purchase.refresh_from_db()
    return purchase


def test_account_page_lists_purchases_with_receipt_and_refunds(refunded_purchase, user, stripe_standin):
    services.purchase_start(user, pack="whale", success_url="http://t/s?{CHECKOUT_SESSION_ID}", cancel_url="http://t/c")
    client = Client()
    client.force_login(user)
    page = client.get("/account").content.decode()
    row = page[page.index(f'data-testid="purchase-{refunded_purchase.pk}"'):]
    row = row[: row.index("</tr>")]
    assert "Power" in row and "$14.99" in row and "Partly refunded" in row and "$5.00 refunded" in row
    assert "Refund: 833 tokens taken back" in row
    assert f'href="{refunded_purchase.receipt_url}"' in row
    assert refunded_purchase.created_at.strftime("%Y-%m-%d") in row
    assert "Whale" in page and "Awaiting payment" in page
    # the ledger shows the credit and the refund, both pointing at the purchases list
    ledger = page[page.index('data-testid="ledger"'):]
    assert ledger.count('href="/account#purchases"') == 2 and 'id="purchases"' in page


def test_account_page_without_purchases(user, no_stripe):
    client = Client()
    client.force_login(user)
    assert "No purchases yet" in client.get("/account").content.decode()


def test_purchases_of_others_are_not_shown(refunded_purchase, other_user):
    client = Client()
    client.force_login(other_user)
    assert str(refunded_purchase.pk) not in client.get("/account").content.decode()


def test_admin_registers_payments_models_with_search_and_filters():
    for model in (Purchase, PurchaseReversal, PaymentProblem):
        model_admin = admin.site._registry[model]
        assert model_admin.search_fields and model_admin.list_filter, model


def test_admin_shows_purchases_with_stripe_ids_ledger_and_problems(refunded_purchase, stripe_standin, user):
    spent = services.purchase_start(user, pack="starter", success_url="http://t/s?{CHECKOUT_SESSION_ID}", cancel_url="http://t/c")
    deliver(stripe_standin.pay(spent.checkout_session_id, amount=5))  # a mismatch for staff
    staff = UserFactory(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(staff)
    changelist = reverse("admin:payments_purchase_changelist")
    for query in (refunded_purchase.checkout_session_id, refunded_purchase.payment_intent_id, refunded_purchase.charge_id,
                  user.username, user.email):
        page = client.get(changelist, {"q": query}).content.decode()
        assert refunded_purchase.checkout_session_id in page, query
    page = client.get(changelist, {"status__exact": "mismatched"}).content.decode()
    assert spent.checkout_session_id in page and refunded_purchase.checkout_session_id not in page
    detail = client.get(reverse("admin:payments_purchase_change", args=[refunded_purchase.pk])).content.decode()
    assert refunded_purchase.payment_intent_id in detail and refunded_purchase.charge_id in detail
    assert f"#{refunded_purchase.credit_entry.pk} +2500" in detail and "-833" in detail
    problems = client.get(reverse("admin:payments_paymentproblem_changelist")).content.decode()
    assert spent.checkout_session_id in problems and "Amount or currency mismatch" in problems
    reversals = client.get(reverse("admin:payments_purchasereversal_changelist"), {"shortfall": "no"})
    assert reversals.status_code == 200 and refunded_purchase.charge_id in reversals.content.decode()
    assert client.get(reverse("admin:payments_purchase_add")).status_code == 403


def test_admin_shows_shortfalls(stripe_standin, user):
    from economy import services as economy

    purchase = services.purchase_start(user, pack="starter", success_url="http://t/s?{CHECKOUT_SESSION_ID}", cancel_url="http://t/c")
    deliver(stripe_standin.pay(purchase.checkout_session_id))
    economy.wallet_debit(user, amount=100, kind="pull", reference="test", reason="test")
    deliver(stripe_standin.dispute(stripe_standin.charge_of_session(purchase.checkout_session_id)["id"]))
    staff = UserFactory(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(staff)
    page = client.get(reverse("admin:payments_purchase_changelist"), {"shortfall": "yes"}).content.decode()
    assert purchase.checkout_session_id in page
    problems = client.get(reverse("admin:payments_paymentproblem_changelist"), {"kind__exact": "shortfall"}).content.decode()
    assert "Refund or dispute shortfall" in problems


def test_admin_lists_resolved_problems_too_and_filters_the_open_ones(admin_client):
    """Staff tick ``resolved`` in the list itself, so a ticked problem stays listed (the
    list is every problem; the ``resolved`` filter narrows it to the open ones)."""
    PaymentProblem.objects.create(kind="unknown_purchase", stripe_id="cs_still_open", detail="open")
    PaymentProblem.objects.create(kind="unknown_purchase", stripe_id="cs_handled", detail="handled", resolved=True)
    changelist = reverse("admin:payments_paymentproblem_changelist")
    every = admin_client.get(changelist).content.decode()
    assert "cs_still_open" in every and "cs_handled" in every
    open_only = admin_client.get(changelist, {"resolved__exact": "0"}).content.decode()
    assert "cs_still_open" in open_only and "cs_handled" not in open_only
