"""Refunds of a spend by staff and automatically: each pays, none pays back more than was taken."""
import pytest

from economy import selectors, services
from economy.models import LedgerEntry
from patterns.engine.pattern import PatternSpec
from pulls import services as pulls
from pulls.models import Pull

from .factories import FundedUserFactory, assert_ledger_consistent

Kind = LedgerEntry.Kind
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pull_prices", "clock")]


@pytest.fixture
def paid_pull(settings):
    """A user who has just paid 100 tokens for a pull and has none left."""
    settings.FREE_PULLS_PER_DAY = 0
    user = FundedUserFactory(tokens=100)
    spend = services.spend_for_pull(user, reference="pull:12")
    return user, spend, LedgerEntry.objects.get(pk=spend.entry_id)


@pytest.fixture
def queued_paid_pull(user, django_capture_on_commit_callbacks) -> Pull:
    """A queued pull the user paid 100 tokens for, their free pulls used up."""
    services.grant(user, 100, "for one pull", created_by=None)
    for _ in range(3):
        services.spend_for_pull(user, reference="test:free")
    with django_capture_on_commit_callbacks(execute=False):
        (pull,) = pulls.request_pulls(user=user, spec=PatternSpec(pattern="ab"))
    return pull


def test_a_partial_staff_refund_leaves_the_rest_to_the_automatic_refund_of_a_failed_pull(paid_pull):
    user, spend, entry = paid_pull
    services.refund_entry(entry, "Slow result page", amount=10)

    automatic = services.refund_pull_spend(spend, "pull:12", "Worker lost")

    assert automatic.amount == 90
    assert services.refund_pull_spend(spend, "pull:12", "Worker lost, again").pk == automatic.pk
    assert selectors.balance(user) == 100
    assert_ledger_consistent(user)


def test_partial_staff_refunds_add_up_and_staff_can_refund_the_rest():
    user = FundedUserFactory(tokens=1000)
    job = services.debit(user, 800, Kind.JOB, "job:5")

    first = services.refund_entry(job, "Cancelled after 25%", amount=100)
    second = services.refund_entry(job, "Slow", amount=100)
    assert first.pk != second.pk
    assert [e.refundable_tokens for e in selectors.unrefunded_spends(user)] == [600]

    rest = services.refund_entry(job, "Failed")

    assert (rest.amount, selectors.balance(user)) == (600, 1000)
    assert selectors.refunded_tokens(job.pk) == 800
    assert not selectors.unrefunded_spends(user).exists()
    with pytest.raises(services.AlreadyRefunded):
        services.refund_entry(job, "Once more")
    assert selectors.balance(user) == 1000
    assert_ledger_consistent(user)


def test_a_staff_refund_of_more_than_is_left_is_refused_and_changes_nothing():
    user = FundedUserFactory(tokens=1000)
    job = services.debit(user, 800, Kind.JOB, "job:5")
    services.refund_entry(job, "Cancelled after 25%", amount=600)

    with pytest.raises(ValueError, match="Only 200 tokens"):
        services.refund_entry(job, "Failed", amount=800)

    assert selectors.balance(user) == 800


def test_after_a_full_staff_refund_the_automatic_refund_has_nothing_left(paid_pull):
    user, spend, entry = paid_pull
    services.refund_entry(entry, "Support ticket")

    with pytest.raises(services.AlreadyRefunded):
        services.refund_pull_spend(spend, "pull:12", "Worker lost")
    assert selectors.balance(user) == 100


def test_after_the_automatic_refund_staff_have_nothing_left_to_refund(paid_pull):
    user, spend, entry = paid_pull
    services.refund_pull_spend(spend, "pull:12", "Worker lost")

    with pytest.raises(services.AlreadyRefunded):
        services.refund_entry(entry, "Support ticket", amount=1)
    assert selectors.balance(user) == 100


def test_each_refund_records_the_spend_it_gives_back(paid_pull):
    user, spend, entry = paid_pull
    staff = services.refund_entry(entry, "Support ticket", amount=30)
    automatic = services.refund_pull_spend(spend, "pull:12", "Worker lost")

    assert staff.refunds == automatic.refunds == entry
    assert list(entry.refunded_by.order_by("id")) == [staff, automatic]
    assert staff.idempotency_key.startswith(f"refund:entry:{entry.pk}:staff:")


@pytest.mark.parametrize("staff_first", [True, False])
def test_a_free_pull_is_given_back_at_most_once_whichever_refund_comes_first(user, staff_first):
    spend = services.spend_for_pull(user, reference="pull:1")
    entry = LedgerEntry.objects.get(pk=spend.entry_id)
    first, second = (
        (lambda: services.refund_entry(entry, "Support"), lambda: services.refund_pull_spend(spend, "pull:1", "Lost"))
        if staff_first
        else (lambda: services.refund_pull_spend(spend, "pull:1", "Lost"), lambda: services.refund_entry(entry, "Support"))
    )
    first()

    with pytest.raises(services.AlreadyRefunded):
        second()

    assert selectors.free_pulls_left(user) == 3
    assert selectors.transactions(user).filter(kind=Kind.REFUND).count() == 1
    assert not selectors.unrefunded_spends(user).exists()


def test_shares_of_a_ten_pull_after_a_partial_staff_refund_pay_only_what_is_left():
    user = FundedUserFactory(tokens=1000)
    spend = services.spend_for_pull(user, reference="pull:10x", count=10)
    services.refund_entry(LedgerEntry.objects.get(pk=spend.entry_id), "Goodwill", amount=850)

    paid = [services.refund_pull_share(spend, share, 100, f"pull:{share}", "Lost").amount for share in (1, 2)]

    assert paid == [100, 50]
    with pytest.raises(services.AlreadyRefunded):
        services.refund_pull_share(spend, 3, 100, "pull:3", "Lost")
    assert selectors.balance(user) == 1000


def test_a_failed_pull_after_a_partial_staff_refund_gets_the_rest_back(user, queued_paid_pull):
    pull = queued_paid_pull
    services.refund_entry(LedgerEntry.objects.get(pk=pull.spend_entry_id), "Slow", amount=10)

    failed = pulls.pull_fail(pull.pk, "Worker lost")

    assert (failed.status, failed.refunded) == (Pull.Status.FAILED, True)
    assert selectors.balance(user) == 100
    assert_ledger_consistent(user)


def test_a_failed_pull_that_staff_refunded_in_full_fails_quietly(user, queued_paid_pull):
    pull = queued_paid_pull
    services.refund_entry(LedgerEntry.objects.get(pk=pull.spend_entry_id), "Support ticket")

    failed = pulls.pull_fail(pull.pk, "Worker lost")

    assert failed.status == Pull.Status.FAILED
    assert selectors.balance(user) == 100
    assert selectors.transactions(user).filter(kind=Kind.REFUND).count() == 1


def test_a_user_with_refunded_spends_can_still_be_deleted(paid_pull):
    user, spend, entry = paid_pull
    services.refund_entry(entry, "Support ticket", amount=40)
    services.refund_pull_spend(spend, "pull:12", "Worker lost")

    user.delete()

    assert not LedgerEntry.objects.filter(pk=entry.pk).exists()
