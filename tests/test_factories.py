"""The shared factories make what production makes: consent recorded, balances that add
up to their ledger, tokens that authenticate, pulls paid by their entry."""
import pytest
from django.test import Client

from economy import selectors as wallet
from economy.models import LedgerEntry
from pulls.models import Pull
from tests.economy.checks import assert_ledger_consistent
from tests.factories import (
    PASSWORD,
    ApiTokenFactory,
    FundedUserFactory,
    LedgerEntryFactory,
    PullFactory,
    UserFactory,
    WalletFactory,
)

Kind = LedgerEntry.Kind
pytestmark = pytest.mark.django_db


def test_a_user_has_signed_up_with_consent_and_the_shared_password():
    user = UserFactory()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert user.age_confirmed_at and user.terms_accepted_at and user.terms_version


def test_a_wallets_balance_and_limits_come_through_the_ledger():
    wallet_row = WalletFactory(balance=250, tokens_per_day=100)
    funded = FundedUserFactory(tokens=40)

    assert (wallet_row.balance, wallet_row.tokens_per_day, wallet_row.tokens_per_month) == (250, 100, None)
    assert wallet.balance(funded) == 40
    for user in (wallet_row.user, funded):
        assert wallet.transactions(user).get().kind == Kind.PURCHASE
        assert_ledger_consistent(user)


def test_ledger_entries_are_credits_or_debits_by_their_sign(user):
    LedgerEntryFactory(user=user, kind=Kind.GRANT, amount=500)
    job = LedgerEntryFactory(user=user, kind=Kind.JOB, amount=-300)

    assert (job.kind, job.amount, job.balance_after) == (Kind.JOB, -300, 200)
    assert wallet.balance(user) == 200
    assert_ledger_consistent(user)


def test_an_api_token_authenticates_its_user(user):
    token = ApiTokenFactory(user=user)
    me = Client(headers={"Authorization": f"Bearer {token.token}"}).get("/auth/me")
    assert me.json()["username"] == user.username
    assert token.token not in (token.token_hash, token.prefix)


def test_a_pull_is_paid_and_queued_or_finished(user, pull_prices):
    queued = PullFactory(user=user)
    finished = PullFactory(user=user, pattern="cd", finished=True)

    assert (queued.status, queued.number, queued.spend_entry.kind) == (Pull.Status.QUEUED, 1, Kind.FREE)
    assert (finished.status, finished.number, finished.has_key) == (Pull.Status.DONE, 2, True)
    assert finished.address.startswith("did:key:z6Mk")
    assert wallet.free_pulls_left(user) == 1


def test_a_job_is_bought_through_the_ledger_and_a_finished_one_holds_its_match():
    from jobs.models import Job
    from tests.factories import JobFactory

    job = JobFactory()
    assert job.status == "queued" and job.chunks.filter(status="queued").exists()
    assert job.spend_entry.amount == -job.price_tokens and job.number == 1
    assert_ledger_consistent(job.user)
    found = JobFactory(user=job.user, finished=True)
    assert found.status == "done" and found.jackpot and found.has_key and found.number == 2
    assert Job.objects.filter(user=job.user).count() == 2
