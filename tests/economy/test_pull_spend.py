"""Paying for pulls: 3 free pulls a day (reset at 00:00 UTC), then tokens; refunds of failed pulls."""
import pytest

from economy import selectors, services
from economy.models import LedgerEntry

from .factories import FundedUserFactory, assert_ledger_consistent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pull_prices", "clock")]


def test_the_first_three_pulls_of_a_day_are_free_and_recorded_as_free_entries():
    user = FundedUserFactory(tokens=500)

    spends = [services.spend_for_pull(user, reference=f"pull:{n}") for n in (1, 2, 3)]

    assert [(s.free, s.tokens) for s in spends] == [(True, 0)] * 3
    assert selectors.balance(user) == 500
    assert selectors.free_pulls_left(user) == 0
    free = selectors.transactions(user).filter(kind=LedgerEntry.Kind.FREE)
    assert [(e.amount, e.reference) for e in free] == [(0, "pull:3"), (0, "pull:2"), (0, "pull:1")]
    assert_ledger_consistent(user)


def test_after_the_free_pulls_a_pull_costs_pull_cost_tokens():
    user = FundedUserFactory(tokens=500)
    for n in range(3):
        services.spend_for_pull(user, reference=f"pull:{n}")

    spend = services.spend_for_pull(user, reference="pull:4")

    assert (spend.free, spend.tokens) == (False, 100)
    entry = LedgerEntry.objects.get(pk=spend.entry_id)
    assert (entry.kind, entry.amount, entry.reference) == ("pull", -100, "pull:4")
    assert selectors.balance(user) == 400


def test_no_free_pull_and_too_few_tokens_is_refused_and_changes_nothing(user):
    for n in range(3):
        services.spend_for_pull(user, reference=f"pull:{n}")

    with pytest.raises(services.InsufficientTokens) as refused:
        services.spend_for_pull(user, reference="pull:4")

    assert str(refused.value) == "No free pulls left today, and not enough tokens: this needs 100, you have 0."
    assert selectors.transactions(user).count() == 3
    assert selectors.free_pulls_left(user) == 0


def test_free_pulls_come_back_at_midnight_utc(user, clock):
    clock.set(2026, 3, 10, 23, 59, 59)
    for n in range(3):
        services.spend_for_pull(user, reference=f"pull:{n}")
    assert selectors.free_pulls_left(user) == 0

    clock.set(2026, 3, 11, 0, 0, 0)

    assert selectors.free_pulls_left(user) == 3
    assert services.spend_for_pull(user, reference="pull:next-day").free


def test_the_number_of_free_pulls_is_a_setting(user, settings):
    settings.FREE_PULLS_PER_DAY = 1
    assert selectors.free_pulls_left(user) == 1
    assert services.spend_for_pull(user, reference="pull:1").free
    with pytest.raises(services.InsufficientTokens):
        services.spend_for_pull(user, reference="pull:2")


def test_with_no_free_pulls_configured_the_refusal_is_about_tokens_only(user, settings):
    settings.FREE_PULLS_PER_DAY = 0
    with pytest.raises(services.InsufficientTokens, match=r"^Not enough tokens: this needs 100, you have 0\.$"):
        services.spend_for_pull(user, reference="pull:1")


def test_a_ten_pull_costs_ten_times_in_one_debit_and_keeps_the_free_pulls():
    user = FundedUserFactory(tokens=1500)

    spend = services.spend_for_pull(user, reference="pull:10x", count=10)

    assert (spend.free, spend.tokens) == (False, 1000)
    assert selectors.transactions(user).filter(kind=LedgerEntry.Kind.PULL).count() == 1
    assert selectors.balance(user) == 500
    assert selectors.free_pulls_left(user) == 3


@pytest.mark.parametrize("count", [0, -1, 2.0, True])
def test_a_pull_count_must_be_a_positive_whole_number(user, count):
    with pytest.raises(ValueError):
        services.spend_for_pull(user, reference="pull:1", count=count)


def test_refunding_a_paid_pull_gives_the_tokens_back_once():
    user = FundedUserFactory(tokens=100)
    for n in range(3):
        services.spend_for_pull(user, reference=f"pull:{n}")
    spend = services.spend_for_pull(user, reference="pull:4")

    refund = services.refund_pull_spend(spend, "pull:4", "Worker crashed")
    again = services.refund_pull_spend(spend, "pull:4", "Worker crashed")

    assert again.pk == refund.pk
    assert (refund.kind, refund.amount, refund.reference, refund.reason) == ("refund", 100, "pull:4", "Worker crashed")
    assert selectors.balance(user) == 100
    assert_ledger_consistent(user)


def test_refunding_a_free_pull_gives_the_free_pull_back_once(user):
    spend = services.spend_for_pull(user, reference="pull:1")
    assert selectors.free_pulls_left(user) == 2

    services.refund_pull_spend(spend, "pull:1", "Worker crashed")
    services.refund_pull_spend(spend, "pull:1", "Worker crashed")

    assert selectors.free_pulls_left(user) == 3
    refunds = selectors.transactions(user).filter(kind=LedgerEntry.Kind.REFUND)
    assert [(e.amount, e.reference) for e in refunds] == [(0, "pull:1")]


def test_a_free_pull_refunded_after_midnight_does_not_add_to_the_new_day(user, clock):
    clock.set(2026, 3, 10, 23, 59)
    spend = services.spend_for_pull(user, reference="pull:1")
    clock.set(2026, 3, 11, 0, 1)
    services.spend_for_pull(user, reference="pull:2")

    services.refund_pull_spend(spend, "pull:1", "Worker crashed")

    assert selectors.free_pulls_left(user) == 2
    assert selectors.transactions(user).filter(kind=LedgerEntry.Kind.REFUND).count() == 1


def test_a_spend_rebuilt_from_its_entry_refunds_the_same_way():
    user = FundedUserFactory(tokens=300)
    spend = services.spend_for_pull(user, reference="pull:1", count=2)

    rebuilt = services.Spend.from_entry(LedgerEntry.objects.get(pk=spend.entry_id))

    assert rebuilt == spend
    services.refund_pull_spend(rebuilt, "pull:1", "Worker crashed")
    services.refund_pull_spend(spend, "pull:1", "Worker crashed")
    assert selectors.balance(user) == 300


def test_only_spend_entries_can_be_turned_into_a_spend(user):
    grant = services.grant(user, 10, "test", created_by=None)
    with pytest.raises(ValueError):
        services.Spend.from_entry(grant)


@pytest.mark.parametrize("amount", [0, 801, -1])
def test_refund_entry_gives_back_between_one_token_and_what_was_taken(amount):
    user = FundedUserFactory(tokens=1000)
    job = services.debit(user, 800, LedgerEntry.Kind.JOB, "job:5")
    with pytest.raises(ValueError):
        services.refund_entry(job, "Failed", amount=amount)
    assert selectors.balance(user) == 200
