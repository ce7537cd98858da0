"""Refunds of a spend by staff and automatically: each pays, none pays back more than was taken."""
import pytest

from economy import selectors, services
from economy.exceptions import AlreadyRefunded, InvalidAmount, SpendingLimitExceeded
from economy.models import LedgerEntry
from pulls import services as pulls
from pulls.models import Pull
from tests.factories import FundedUserFactory, PullFactory, pay_pulls, use_up_free_pulls

from .checks import assert_ledger_consistent

Kind = LedgerEntry.Kind
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pull_prices", "clock")]


@pytest.fixture
def paid_pull(settings):
    """A user who has just paid 100 tokens for a pull and has none left, and that spend."""
    settings.FREE_PULLS_PER_DAY = 0
    user = FundedUserFactory(tokens=100)
    return user, pay_pulls(user, reference="pull:12")


@pytest.fixture
def queued_paid_pull(user) -> Pull:
    """A queued pull the user paid 100 tokens for, their free pulls used up."""
    services.wallet_grant(user, amount=100, reason="for one pull", created_by=None)
    use_up_free_pulls(user)
    return PullFactory(user=user)


@pytest.fixture
def paid_job():
    """A user who paid 100 tokens up front for a guaranteed job, and that spend."""
    user = FundedUserFactory(tokens=100)
    return user, services.wallet_pay_job(user, amount=100, reference="job:7", reason="Guaranteed job")


def refund_share(job: LedgerEntry, share: str, tokens: int) -> LedgerEntry:
    return services.spend_refund(job.pk, reason="Cancelled: unspent share", reference="job:7", share=share, tokens=tokens)


def test_a_partial_staff_refund_leaves_the_rest_to_the_automatic_refund_of_a_failed_pull(paid_pull):
    user, spend = paid_pull
    services.entry_refund(spend, reason="Slow result page", amount=10)

    automatic = services.spend_refund(spend.pk, reason="Worker lost", reference="pull:12")

    assert automatic.amount == 90
    assert services.spend_refund(spend.pk, reason="Worker lost, again", reference="pull:12").pk == automatic.pk
    assert selectors.balance(user) == 100
    assert_ledger_consistent(user)


def test_partial_staff_refunds_add_up_and_staff_can_refund_the_rest():
    user = FundedUserFactory(tokens=1000)
    job = services.wallet_debit(user, amount=800, kind=Kind.JOB, reference="job:5")

    first = services.entry_refund(job, reason="Cancelled after 25%", amount=100)
    second = services.entry_refund(job, reason="Slow", amount=100)
    assert first.pk != second.pk
    assert [e.refundable_tokens for e in selectors.unrefunded_spends(user)] == [600]

    rest = services.entry_refund(job, reason="Failed")

    assert (rest.amount, selectors.balance(user)) == (600, 1000)
    assert selectors.refunded_tokens(job.pk) == 800
    assert not selectors.unrefunded_spends(user).exists()
    with pytest.raises(AlreadyRefunded) as refused:
        services.entry_refund(job, reason="Once more")
    assert (refused.value.status, refused.value.code) == (409, "already_refunded")
    assert selectors.balance(user) == 1000
    assert_ledger_consistent(user)


def test_a_staff_refund_of_more_than_is_left_is_refused_and_changes_nothing():
    user = FundedUserFactory(tokens=1000)
    job = services.wallet_debit(user, amount=800, kind=Kind.JOB, reference="job:5")
    services.entry_refund(job, reason="Cancelled after 25%", amount=600)

    with pytest.raises(InvalidAmount, match="Only 200 tokens"):
        services.entry_refund(job, reason="Failed", amount=800)

    assert selectors.balance(user) == 800


def test_after_a_full_staff_refund_the_automatic_refund_has_nothing_left(paid_pull):
    user, spend = paid_pull
    services.entry_refund(spend, reason="Support ticket")

    with pytest.raises(AlreadyRefunded):
        services.spend_refund(spend.pk, reason="Worker lost", reference="pull:12")
    assert selectors.balance(user) == 100


def test_after_the_automatic_refund_staff_have_nothing_left_to_refund(paid_pull):
    user, spend = paid_pull
    services.spend_refund(spend.pk, reason="Worker lost", reference="pull:12")

    with pytest.raises(AlreadyRefunded):
        services.entry_refund(spend, reason="Support ticket", amount=1)
    assert selectors.balance(user) == 100


def test_each_refund_records_the_spend_it_gives_back(paid_pull):
    user, spend = paid_pull
    staff = services.entry_refund(spend, reason="Support ticket", amount=30)
    automatic = services.spend_refund(spend.pk, reason="Worker lost", reference="pull:12")

    assert staff.refunds == automatic.refunds == spend
    assert list(spend.refunded_by.order_by("id")) == [staff, automatic]
    assert staff.idempotency_key.startswith(f"refund:entry:{spend.pk}:staff:")


@pytest.mark.parametrize("first, second", [("staff", "automatic"), ("automatic", "staff")])
def test_a_free_pull_is_given_back_at_most_once_whichever_refund_comes_first(user, first, second):
    spend = pay_pulls(user, reference="pull:1")
    refunds = {
        "staff": lambda: services.entry_refund(spend, reason="Support"),
        "automatic": lambda: services.spend_refund(spend.pk, reason="Lost", reference="pull:1"),
    }
    refunds[first]()

    with pytest.raises(AlreadyRefunded):
        refunds[second]()

    assert selectors.free_pulls_left(user) == 3
    assert selectors.transactions(user).filter(kind=Kind.REFUND).count() == 1
    assert not selectors.unrefunded_spends(user).exists()


def test_shares_of_a_ten_pull_after_a_partial_staff_refund_pay_only_what_is_left():
    user = FundedUserFactory(tokens=1000)
    spend = pay_pulls(user, reference="pull:10x", count=10)
    services.entry_refund(spend, reason="Goodwill", amount=850)

    paid = [
        services.spend_refund(spend.pk, reason="Lost", reference=f"pull:{share}", share=share, tokens=100).amount
        for share in (1, 2)
    ]

    assert paid == [100, 50]
    with pytest.raises(AlreadyRefunded):
        services.spend_refund(spend.pk, reason="Lost", reference="pull:3", share=3, tokens=100)
    assert selectors.balance(user) == 1000


def test_a_failed_pull_after_a_partial_staff_refund_gets_the_rest_back(user, queued_paid_pull):
    pull = queued_paid_pull
    services.entry_refund(pull.spend_entry, reason="Slow", amount=10)

    failed = pulls.pull_fail(pull.pk, reason="Worker lost")

    assert (failed.status, failed.refunded) == (Pull.Status.FAILED, True)
    assert selectors.balance(user) == 100
    assert_ledger_consistent(user)


def test_a_failed_pull_that_staff_refunded_in_full_fails_quietly(user, queued_paid_pull):
    pull = queued_paid_pull
    services.entry_refund(pull.spend_entry, reason="Support ticket")

    failed = pulls.pull_fail(pull.pk, reason="Worker lost")

    assert failed.status == Pull.Status.FAILED
    assert selectors.balance(user) == 100
    assert selectors.transactions(user).filter(kind=Kind.REFUND).count() == 1


def test_a_user_with_refunded_spends_can_still_be_deleted(paid_pull):
    user, spend = paid_pull
    services.entry_refund(spend, reason="Support ticket", amount=40)
    services.spend_refund(spend.pk, reason="Worker lost", reference="pull:12")

    user.delete()

    assert not LedgerEntry.objects.filter(pk=spend.pk).exists()


def test_a_cancelled_jobs_unspent_share_is_refunded_at_most_once(paid_job):
    user, job = paid_job

    first = refund_share(job, "cancel", 60)
    again = refund_share(job, "cancel", 60)

    assert again.pk == first.pk
    assert (first.kind, first.amount, first.balance_after, first.refunds) == ("refund", 60, 60, job)
    assert selectors.balance(user) == 60
    assert_ledger_consistent(user)


def test_shares_of_a_job_never_refund_more_in_all_than_it_took(paid_job):
    user, job = paid_job

    paid = [refund_share(job, share, 60).amount for share in ("first half", "second half")]

    assert paid == [60, 40]
    with pytest.raises(AlreadyRefunded):
        refund_share(job, "third", 1)
    assert selectors.balance(user) == 100
    assert_ledger_consistent(user)


def test_a_refunded_job_share_gives_the_spending_room_back(paid_job):
    user, job = paid_job
    services.wallet_set_limits(user, per_day=100, per_month=None)
    assert selectors.spent_today(user) == 100

    refund_share(job, "cancel", 60)

    assert selectors.spent_today(user) == 40
    services.wallet_pay_job(user, amount=60, reference="job:8", reason="Guaranteed job")
    with pytest.raises(SpendingLimitExceeded):
        services.wallet_pay_job(user, amount=1, reference="job:9", reason="Guaranteed job")


@pytest.mark.parametrize(("reason", "tokens"), [("", 10), ("  ", 10), ("why", 0), ("why", -5), ("why", 1.5)])
def test_a_refund_needs_a_reason_and_a_positive_number_of_tokens(paid_job, reason, tokens):
    user, job = paid_job
    with pytest.raises(InvalidAmount):
        services.spend_refund(job.pk, reason=reason, reference="job:7", share="cancel", tokens=tokens)
    assert not selectors.transactions(user).filter(kind=Kind.REFUND).exists()
    assert selectors.balance(user) == 0


def test_only_a_spend_can_be_refunded_as_one(user):
    grant = services.wallet_grant(user, amount=10, reason="test", created_by=None)
    with pytest.raises(InvalidAmount):
        services.spend_refund(grant.pk, reason="Not a spend", reference="x")
    with pytest.raises(InvalidAmount):
        services.spend_refund(999_999_999, reason="No such entry", reference="x")
    assert selectors.balance(user) == 10


def test_a_job_paid_otherwise_is_a_job_entry_of_zero_tokens_written_once(user):
    first = services.wallet_pay_job(user, amount=0, reference="job:1", reason="Spark meter full", idempotency_key="job:1:pay")
    again = services.wallet_pay_job(user, amount=0, reference="job:1", reason="Spark meter full", idempotency_key="job:1:pay")

    assert again.pk == first.pk
    assert (first.kind, first.amount) == ("job", 0)
    with pytest.raises(InvalidAmount):
        services.wallet_pay_job(user, amount=0, reference="job:2", reason="No key")
    assert selectors.transactions(user).count() == 1
