"""Paying for pulls: 3 free pulls a day (reset at 00:00 UTC), then tokens; refunds of failed pulls."""
import pytest

from economy import selectors, services
from economy.exceptions import InsufficientTokens, InvalidAmount
from economy.models import LedgerEntry
from tests.factories import FundedUserFactory, pay_pulls, use_up_free_pulls

from .checks import assert_ledger_consistent

Kind = LedgerEntry.Kind
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pull_prices", "clock")]


def refund(spend: LedgerEntry, reference: str) -> LedgerEntry:
    return services.spend_refund(spend.pk, reason="Worker crashed", reference=reference)


def test_the_first_three_pulls_of_a_day_are_free_and_recorded_as_free_entries():
    user = FundedUserFactory(tokens=500)

    spends = [pay_pulls(user, reference=f"pull:{n}") for n in (1, 2, 3)]

    assert [(s.kind, -s.amount) for s in spends] == [(Kind.FREE, 0)] * 3
    assert selectors.balance(user) == 500
    assert selectors.free_pulls_left(user) == 0
    free = selectors.transactions(user).filter(kind=Kind.FREE)
    assert [(e.amount, e.reference) for e in free] == [(0, "pull:3"), (0, "pull:2"), (0, "pull:1")]
    assert_ledger_consistent(user)


def test_after_the_free_pulls_a_pull_costs_pull_cost_tokens():
    user = FundedUserFactory(tokens=500)
    use_up_free_pulls(user)

    spend = pay_pulls(user, reference="pull:4")

    assert (spend.kind, spend.amount, spend.reference) == ("pull", -100, "pull:4")
    assert LedgerEntry.objects.get(pk=spend.pk) == spend
    assert selectors.balance(user) == 400


def test_no_free_pull_and_too_few_tokens_is_refused_and_changes_nothing(user):
    use_up_free_pulls(user)

    with pytest.raises(InsufficientTokens) as refused:
        pay_pulls(user, reference="pull:4")

    assert str(refused.value) == "No free pulls left today, and not enough tokens: this needs 100, you have 0."
    assert selectors.transactions(user).count() == 3
    assert selectors.free_pulls_left(user) == 0


def test_free_pulls_come_back_at_midnight_utc(user, clock):
    clock.set(2026, 3, 10, 23, 59, 59)
    use_up_free_pulls(user)
    assert selectors.free_pulls_left(user) == 0

    clock.set(2026, 3, 11, 0, 0, 0)

    assert selectors.free_pulls_left(user) == 3
    assert pay_pulls(user, reference="pull:next-day").kind == Kind.FREE


def test_the_number_of_free_pulls_is_a_setting(user, settings):
    settings.FREE_PULLS_PER_DAY = 1
    assert selectors.free_pulls_left(user) == 1
    assert pay_pulls(user, reference="pull:1").kind == Kind.FREE
    with pytest.raises(InsufficientTokens):
        pay_pulls(user, reference="pull:2")


def test_with_no_free_pulls_configured_the_refusal_is_about_tokens_only(user, settings):
    settings.FREE_PULLS_PER_DAY = 0
    with pytest.raises(InsufficientTokens, match=r"^Not enough tokens: this needs 100, you have 0\.$"):
        pay_pulls(user, reference="pull:1")


def test_a_ten_pull_costs_ten_times_in_one_debit_and_keeps_the_free_pulls():
    user = FundedUserFactory(tokens=1500)

    spend = pay_pulls(user, reference="pull:10x", count=10)

    assert (spend.kind, spend.amount) == (Kind.PULL, -1000)
    assert selectors.transactions(user).filter(kind=Kind.PULL).count() == 1
    assert selectors.balance(user) == 500
    assert selectors.free_pulls_left(user) == 3


@pytest.mark.parametrize("count", [0, -1, 2.0, True])
def test_a_pull_count_must_be_a_positive_whole_number(user, count):
    with pytest.raises(InvalidAmount):
        pay_pulls(user, reference="pull:1", count=count)


def test_refunding_a_paid_pull_gives_the_tokens_back_once():
    user = FundedUserFactory(tokens=100)
    use_up_free_pulls(user)
    spend = pay_pulls(user, reference="pull:4")

    first = refund(spend, "pull:4")
    again = refund(spend, "pull:4")

    assert again.pk == first.pk
    assert (first.kind, first.amount, first.reference, first.reason) == ("refund", 100, "pull:4", "Worker crashed")
    assert selectors.balance(user) == 100
    assert_ledger_consistent(user)


def test_refunding_a_free_pull_gives_the_free_pull_back_once(user):
    spend = pay_pulls(user, reference="pull:1")
    assert selectors.free_pulls_left(user) == 2

    refund(spend, "pull:1")
    refund(spend, "pull:1")

    assert selectors.free_pulls_left(user) == 3
    refunds = selectors.transactions(user).filter(kind=Kind.REFUND)
    assert [(e.amount, e.reference) for e in refunds] == [(0, "pull:1")]


def test_a_free_pull_refunded_after_midnight_does_not_add_to_the_new_day(user, clock):
    clock.set(2026, 3, 10, 23, 59)
    spend = pay_pulls(user, reference="pull:1")
    clock.set(2026, 3, 11, 0, 1)
    pay_pulls(user, reference="pull:2")

    refund(spend, "pull:1")

    assert selectors.free_pulls_left(user) == 2
    assert selectors.transactions(user).filter(kind=Kind.REFUND).count() == 1


def test_a_spend_named_by_its_entry_id_alone_refunds_the_same_way():
    user = FundedUserFactory(tokens=300)
    spend = pay_pulls(user, reference="pull:1", count=2)
    entry_id = LedgerEntry.objects.get(reference="pull:1").pk  # all a worker keeps

    services.spend_refund(entry_id, reason="Worker crashed", reference="pull:1")
    refund(spend, "pull:1")

    assert entry_id == spend.pk
    assert selectors.balance(user) == 300
    assert selectors.transactions(user).filter(kind=Kind.REFUND).count() == 1


def test_only_spend_entries_can_be_refunded_as_a_spend(user):
    grant = services.wallet_grant(user, amount=10, reason="test", created_by=None)
    with pytest.raises(InvalidAmount):
        refund(grant, "grant")
    assert selectors.balance(user) == 10


@pytest.mark.parametrize("amount", [0, 801, -1])
def test_entry_refund_gives_back_between_one_token_and_what_was_taken(amount):
    user = FundedUserFactory(tokens=1000)
    job = services.wallet_debit(user, amount=800, kind=Kind.JOB, reference="job:5")
    with pytest.raises(InvalidAmount):
        services.entry_refund(job, reason="Failed", amount=amount)
    assert selectors.balance(user) == 200
