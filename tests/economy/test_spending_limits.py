"""Spending limits a user sets for themselves, enforced like a balance (PRODUCT.md §7)."""
import pytest

from economy import selectors, services
from economy.exceptions import InvalidAmount, SpendingLimitExceeded
from economy.forms import SpendingLimitsForm
from economy.models import LedgerEntry, Wallet
from tests.factories import FundedUserFactory, pay_pulls, use_up_free_pulls

Kind = LedgerEntry.Kind
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pull_prices", "clock")]


@pytest.fixture
def rich_user():
    return FundedUserFactory(tokens=100_000)


def test_a_daily_limit_refuses_the_spend_that_would_pass_it_and_names_the_limit(rich_user):
    services.wallet_set_limits(rich_user, per_day=250, per_month=None)
    services.wallet_debit(rich_user, amount=200, kind=Kind.JOB, reference="job:1")

    with pytest.raises(SpendingLimitExceeded) as refused:
        services.wallet_debit(rich_user, amount=100, kind=Kind.JOB, reference="job:2")

    assert str(refused.value) == (
        "This would pass your daily spending limit of 250 tokens: you have spent 200 today and this needs 100."
    )
    assert (refused.value.status, refused.value.code, refused.value.period) == (402, "spending_limit", "daily")
    assert selectors.balance(rich_user) == 99_800
    services.wallet_debit(rich_user, amount=50, kind=Kind.JOB, reference="job:3")  # up to the limit exactly is fine


def test_a_monthly_limit_counts_the_whole_utc_month(rich_user, clock):
    services.wallet_set_limits(rich_user, per_day=None, per_month=500)
    clock.set(2026, 3, 1, 0, 0)
    services.wallet_debit(rich_user, amount=300, kind=Kind.JOB, reference="job:1")
    clock.set(2026, 3, 31, 23, 59)

    with pytest.raises(SpendingLimitExceeded, match="monthly spending limit of 500 tokens"):
        services.wallet_debit(rich_user, amount=300, kind=Kind.JOB, reference="job:2")

    clock.set(2026, 4, 1, 0, 0)
    services.wallet_debit(rich_user, amount=300, kind=Kind.JOB, reference="job:2")


def test_the_daily_limit_starts_again_at_midnight_utc(rich_user, clock):
    services.wallet_set_limits(rich_user, per_day=100, per_month=None)
    clock.set(2026, 3, 10, 23, 59)
    services.wallet_debit(rich_user, amount=100, kind=Kind.JOB, reference="job:1")
    with pytest.raises(SpendingLimitExceeded):
        services.wallet_debit(rich_user, amount=1, kind=Kind.JOB, reference="job:2")

    clock.set(2026, 3, 11, 0, 0)
    services.wallet_debit(rich_user, amount=100, kind=Kind.JOB, reference="job:2")
    assert selectors.spent_today(rich_user) == 100
    assert selectors.spent_this_month(rich_user) == 200


def test_paid_pulls_count_toward_the_limit_and_free_pulls_do_not(rich_user):
    services.wallet_set_limits(rich_user, per_day=100, per_month=None)
    use_up_free_pulls(rich_user)
    pay_pulls(rich_user, reference="pull:4")

    with pytest.raises(SpendingLimitExceeded, match="daily"):
        pay_pulls(rich_user, reference="pull:5")
    assert selectors.spent_today(rich_user) == 100


def test_a_refund_gives_the_spending_room_back(rich_user):
    services.wallet_set_limits(rich_user, per_day=100, per_month=None)
    use_up_free_pulls(rich_user)
    failed = pay_pulls(rich_user, reference="pull:4")
    services.spend_refund(failed.pk, reason="Worker crashed", reference="pull:4")

    assert selectors.spent_today(rich_user) == 0
    pay_pulls(rich_user, reference="pull:5")


def test_staff_adjustments_are_not_spending(rich_user):
    services.wallet_set_limits(rich_user, per_day=0, per_month=0)
    services.wallet_debit(rich_user, amount=500, kind=Kind.ADJUSTMENT, reference="support:9", reason="Chargeback")
    assert selectors.spent_today(rich_user) == 0


def test_a_limit_of_zero_stops_all_paid_spending_and_none_removes_it(rich_user, settings):
    settings.FREE_PULLS_PER_DAY = 0
    services.wallet_set_limits(rich_user, per_day=0, per_month=None)
    with pytest.raises(SpendingLimitExceeded):
        pay_pulls(rich_user, reference="pull:1")

    wallet = services.wallet_set_limits(rich_user, per_day=None, per_month=None)

    assert (wallet.tokens_per_day, wallet.tokens_per_month) == (None, None)
    pay_pulls(rich_user, reference="pull:1")


@pytest.mark.parametrize(("per_day", "per_month"), [(-1, None), (None, -5), (1.5, None), ("10", None), (True, None)])
def test_limits_must_be_whole_non_negative_numbers(user, per_day, per_month):
    with pytest.raises(InvalidAmount):
        services.wallet_set_limits(user, per_day=per_day, per_month=per_month)
    assert not Wallet.objects.filter(user=user).exists()
    assert selectors.spending_limits(user).tokens_per_day is None


def test_a_limit_past_a_billion_tokens_is_a_clear_error_not_a_database_error(user):
    with pytest.raises(InvalidAmount, match="from 0 to 1,000,000,000"):
        services.wallet_set_limits(user, per_day=None, per_month=2**31)
    services.wallet_set_limits(user, per_day=None, per_month=services.MAX_TOKENS_PER_OPERATION)
    assert selectors.spending_limits(user).tokens_per_month == 1_000_000_000


def test_the_page_and_the_api_take_limits_up_to_the_ledgers_cap_and_no_further(user, client_of):
    cap = services.MAX_TOKENS_PER_OPERATION
    assert SpendingLimitsForm({"tokens_per_day": cap, "tokens_per_month": cap}).is_valid()
    too_high = SpendingLimitsForm({"tokens_per_day": cap + 1, "tokens_per_month": cap + 1})
    assert not too_high.is_valid() and set(too_high.errors) == {"tokens_per_day", "tokens_per_month"}

    api = client_of(user)
    for field in ("tokens_per_day", "tokens_per_month"):
        refused = api.put("/api/tokens/limits", data={field: cap + 1}, content_type="application/json")
        assert refused.status_code == 400, field
        taken = api.put("/api/tokens/limits", data={field: cap}, content_type="application/json")
        assert taken.status_code == 200 and taken.json()[field] == cap, field


def test_a_refund_today_of_yesterdays_spend_does_not_make_room_today(rich_user, clock):
    services.wallet_set_limits(rich_user, per_day=100, per_month=None)
    clock.set(2026, 3, 9, 18, 0)
    yesterdays = services.wallet_debit(rich_user, amount=100, kind=Kind.JOB, reference="job:1")
    clock.set(2026, 3, 10, 9, 0)
    services.entry_refund(yesterdays, reason="Job failed overnight")
    services.wallet_debit(rich_user, amount=100, kind=Kind.JOB, reference="job:2")

    with pytest.raises(SpendingLimitExceeded, match="you have spent 100 today"):
        services.wallet_debit(rich_user, amount=100, kind=Kind.JOB, reference="job:3")

    assert selectors.spent_today(rich_user) == 100
    assert selectors.spent_this_month(rich_user) == 100  # the refunded job is back in the month


def test_a_refund_counts_in_the_month_of_its_spend(rich_user, clock):
    services.wallet_set_limits(rich_user, per_day=None, per_month=300)
    clock.set(2026, 2, 28, 23, 0)
    last_months = services.wallet_debit(rich_user, amount=300, kind=Kind.JOB, reference="job:1")
    clock.set(2026, 3, 1, 1, 0)
    services.entry_refund(last_months, reason="Cancelled", amount=200)

    assert selectors.spent_this_month(rich_user) == 0
    services.wallet_debit(rich_user, amount=300, kind=Kind.JOB, reference="job:2")
    with pytest.raises(SpendingLimitExceeded, match="monthly"):
        services.wallet_debit(rich_user, amount=1, kind=Kind.JOB, reference="job:3")
