"""Django admin: staff grant and refund through forms that write ledger entries in their name."""
import pytest
from django.test import Client
from django.urls import reverse

from economy import selectors, services
from economy.models import LedgerEntry, Wallet
from tests.factories import UserFactory

from .factories import FundedUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(staff) -> Client:
    client = Client()
    client.force_login(staff)
    return client


def grant_url(user) -> str:
    return reverse("admin:economy_wallet_grant", args=[Wallet.objects.get(user=user).pk])


def refund_url(user) -> str:
    return reverse("admin:economy_wallet_refund", args=[Wallet.objects.get(user=user).pk])


def test_staff_grant_tokens_with_a_reason_as_a_ledger_entry(admin_client, staff, user):
    assert admin_client.get(grant_url(user)).status_code == 200

    response = admin_client.post(grant_url(user), {"amount": "120", "reason": "Outage on 3 March"})

    assert response.status_code == 302
    entry = selectors.transactions(user).get()
    assert (entry.kind, entry.amount, entry.reason, entry.created_by) == ("grant", 120, "Outage on 3 March", staff)
    assert selectors.balance(user) == 120


@pytest.mark.parametrize(
    "data", [{"amount": "120", "reason": ""}, {"amount": "0", "reason": "x"}, {"amount": "-5", "reason": "x"}]
)
def test_a_grant_without_a_reason_or_a_positive_amount_changes_nothing(admin_client, user, data):
    response = admin_client.post(grant_url(user), data)

    assert response.status_code == 200  # the form again, with its errors
    assert response.context["form"].errors
    assert not selectors.transactions(user).exists()


def test_staff_refund_a_pull_with_a_reason_once(admin_client, staff, settings):
    settings.FREE_PULLS_PER_DAY = 0
    settings.PULL_COST_TOKENS = 100
    user = FundedUserFactory(tokens=100)
    spend = services.spend_for_pull(user, reference="pull:12")

    response = admin_client.post(refund_url(user), {"entry": spend.entry_id, "reason": "Result page broke"})

    assert response.status_code == 302
    refund = selectors.transactions(user).filter(kind=LedgerEntry.Kind.REFUND).get()
    assert (refund.amount, refund.reference, refund.reason) == (100, "pull:12", "Result page broke")
    assert refund.created_by == staff
    assert selectors.balance(user) == 100

    again = admin_client.post(refund_url(user), {"entry": spend.entry_id, "reason": "Again"})
    assert "entry" in again.context["form"].errors
    assert selectors.balance(user) == 100


def test_a_staff_refund_and_the_automatic_refund_never_both_pay(admin_client, settings):
    settings.FREE_PULLS_PER_DAY = 0
    settings.PULL_COST_TOKENS = 100
    user = FundedUserFactory(tokens=100)
    spend = services.spend_for_pull(user, reference="pull:12")
    admin_client.post(refund_url(user), {"entry": spend.entry_id, "reason": "Support ticket"})

    services.refund_pull_spend(spend, "pull:12", "Worker lost")

    assert selectors.balance(user) == 100


def test_a_partial_refund_cannot_exceed_what_the_entry_took(admin_client):
    user = FundedUserFactory(tokens=1000)
    job = services.debit(user, 300, LedgerEntry.Kind.JOB, "job:4")

    too_much = admin_client.post(refund_url(user), {"entry": job.pk, "amount": "301", "reason": "x"})
    assert "amount" in too_much.context["form"].errors

    admin_client.post(refund_url(user), {"entry": job.pk, "amount": "100", "reason": "Partly slow"})
    assert selectors.balance(user) == 800


def test_only_the_wallets_own_spends_can_be_refunded(admin_client, user):
    other = FundedUserFactory(tokens=500)
    others_job = services.debit(other, 300, LedgerEntry.Kind.JOB, "job:9")

    response = admin_client.post(refund_url(user), {"entry": others_job.pk, "reason": "x"})

    assert "entry" in response.context["form"].errors
    assert selectors.balance(user) == 0


def test_the_ledger_is_read_only_in_the_admin(admin_client, user):
    entry = services.grant(user, 10, "test", created_by=None)

    assert admin_client.get(reverse("admin:economy_ledgerentry_add")).status_code == 403
    assert admin_client.post(reverse("admin:economy_ledgerentry_delete", args=[entry.pk])).status_code == 403
    admin_client.post(reverse("admin:economy_ledgerentry_change", args=[entry.pk]), {"amount": "999999"})
    assert LedgerEntry.objects.get(pk=entry.pk).amount == 10


def test_the_balance_cannot_be_edited_in_the_admin(admin_client, user):
    wallet = Wallet.objects.get(user=user)
    admin_client.post(reverse("admin:economy_wallet_change", args=[wallet.pk]), {"balance": "999999"})
    assert selectors.balance(user) == 0


def test_staff_find_wallets_and_entries_by_username_email_and_reference(admin_client, user):
    services.credit(user, 50, LedgerEntry.Kind.PURCHASE, "stripe:cs_findme")

    wallets = admin_client.get(reverse("admin:economy_wallet_changelist"), {"q": user.email})
    entries = admin_client.get(reverse("admin:economy_ledgerentry_changelist"), {"q": "cs_findme"})
    by_kind = admin_client.get(reverse("admin:economy_ledgerentry_changelist"), {"kind__exact": "purchase"})

    assert wallets.status_code == entries.status_code == by_kind.status_code == 200
    assert user.username in wallets.content.decode()
    assert list(entries.context["cl"].result_list) == list(selectors.transactions(user))
    assert entries.context["cl"].result_count == by_kind.context["cl"].result_count == 1


def test_the_wallet_page_links_to_grant_refund_and_the_users_ledger(admin_client, user):
    wallet = Wallet.objects.get(user=user)
    services.grant(user, 10, "test", created_by=None)

    page = admin_client.get(reverse("admin:economy_wallet_change", args=[wallet.pk])).content.decode()
    ledger = admin_client.get(reverse("admin:economy_ledgerentry_changelist"), {"user__id__exact": user.pk})

    assert grant_url(user) in page and refund_url(user) in page
    assert ledger.status_code == 200
    assert ledger.context["cl"].result_count == 1


def test_non_staff_cannot_grant(user):
    client = Client()
    client.force_login(user)
    client.post(grant_url(user), {"amount": "1000", "reason": "me"})
    assert selectors.balance(user) == 0
