"""economy.selectors.job_affordability: what the job confirm page shows before any token
moves — the balance, the balance after, and whether ``wallet_pay_job`` would take the price
now, with its own one-line refusal when it would not (the user's spending limits included)."""
import pytest
from django.db import transaction

from economy import selectors, services
from economy.exceptions import EconomyError
from economy.models import Wallet
from economy.selectors import JobAffordability
from tests.factories import FundedUserFactory, WalletFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


def pay_job(user, price: int, reference: str = "job:test") -> None:
    services.wallet_pay_job(user, amount=price, reference=reference, reason="Guaranteed job")


def refusal_of_paying(user, price: int) -> str:
    """What wallet_pay_job says when it refuses ``price`` now (and nothing is written)."""
    with pytest.raises(EconomyError) as refused, transaction.atomic():
        pay_job(user, price)
    return refused.value.message


def test_a_price_within_the_balance_is_enough_and_shows_the_balance_after():
    user = FundedUserFactory(tokens=500)
    assert selectors.job_affordability(user, price_tokens=200) == JobAffordability(
        balance=500, balance_after=300, enough=True, refusal=None
    )
    assert selectors.job_affordability(user, price_tokens=500).balance_after == 0  # all of it is fine


def test_a_price_past_the_balance_is_refused_as_paying_would_refuse_it():
    user = FundedUserFactory(tokens=100)
    affordability = selectors.job_affordability(user, price_tokens=250)
    assert affordability == JobAffordability(
        balance=100, balance_after=-150, enough=False, refusal="Not enough tokens: this needs 250, you have 100."
    )
    assert affordability.refusal == refusal_of_paying(user, 250)


def test_a_user_without_a_wallet_has_nothing_and_the_read_creates_none(user):
    affordability = selectors.job_affordability(user, price_tokens=10)
    assert (affordability.balance, affordability.enough) == (0, False)
    assert affordability.refusal == "Not enough tokens: this needs 10, you have 0."
    assert not Wallet.objects.filter(user=user).exists()


def test_the_users_daily_limit_refuses_a_job_the_balance_would_cover(user):
    WalletFactory(user=user, balance=10_000, tokens_per_day=300)
    pay_job(user, 200)
    affordability = selectors.job_affordability(user, price_tokens=150)
    assert (affordability.balance, affordability.balance_after, affordability.enough) == (9_800, 9_650, False)
    assert affordability.refusal == refusal_of_paying(user, 150) == (
        "This would pass your daily spending limit of 300 tokens: you have spent 200 today and this needs 150."
    )
    assert selectors.job_affordability(user, price_tokens=100).enough  # up to the limit exactly is fine


def test_the_users_monthly_limit_counts_the_whole_utc_month(user, clock):
    WalletFactory(user=user, balance=10_000, tokens_per_month=500)
    clock.set(2026, 3, 1, 0, 0)
    pay_job(user, 300)
    clock.set(2026, 3, 31, 23, 59)
    affordability = selectors.job_affordability(user, price_tokens=300)
    assert not affordability.enough
    assert affordability.refusal == refusal_of_paying(user, 300)
    assert "monthly spending limit of 500 tokens" in affordability.refusal
    clock.set(2026, 4, 1, 0, 0)
    assert selectors.job_affordability(user, price_tokens=300).enough


def test_a_limit_is_named_before_a_short_balance_as_paying_names_it(user):
    WalletFactory(user=user, balance=50, tokens_per_day=0)
    affordability = selectors.job_affordability(user, price_tokens=100)
    assert affordability.refusal == refusal_of_paying(user, 100)
    assert affordability.refusal.startswith("This would pass your daily spending limit of 0 tokens")


def test_a_job_paid_for_otherwise_costs_nothing_and_is_always_enough(user):
    WalletFactory(user=user, balance=0, tokens_per_day=0)
    assert selectors.job_affordability(user, price_tokens=0) == JobAffordability(
        balance=0, balance_after=0, enough=True, refusal=None
    )
