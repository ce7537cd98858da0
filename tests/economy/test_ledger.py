"""Credits, debits, refunds and grants: every change is one ledger entry (PRODUCT.md §7)."""
import pytest
from django.db import IntegrityError, transaction

from economy import selectors, services
from economy.models import LedgerEntry, Wallet
from tests.factories import UserFactory

from .factories import FundedUserFactory, assert_ledger_consistent

Kind = LedgerEntry.Kind
pytestmark = pytest.mark.django_db


def test_a_new_user_has_no_wallet_row_yet_and_reads_as_empty(user):
    assert not Wallet.objects.filter(user=user).exists()
    assert selectors.balance(user) == 0
    assert selectors.wallet_summary(user) == selectors.WalletSummary(balance=0, free_pulls_left=3)
    assert not selectors.transactions(user).exists()


def test_credit_adds_tokens_and_writes_one_entry_with_balance_before_and_after(user):
    services.credit(user, 250, Kind.PURCHASE, "stripe:cs_1")
    entry = services.credit(user, 50, Kind.GRANT, "support", reason="sorry")

    assert selectors.balance(user) == 300
    assert (entry.kind, entry.amount, entry.balance_before, entry.balance_after) == ("grant", 50, 250, 300)
    assert (entry.reference, entry.reason) == ("support", "sorry")
    assert selectors.transactions(user).count() == 2
    assert_ledger_consistent(user)


def test_debit_takes_tokens_and_records_a_negative_amount():
    user = FundedUserFactory(tokens=300)

    entry = services.debit(user, 100, Kind.JOB, "job:3")

    assert selectors.balance(user) == 200
    assert (entry.kind, entry.amount, entry.balance_before, entry.balance_after) == ("job", -100, 300, 200)
    assert_ledger_consistent(user)


def test_a_debit_can_take_the_last_token():
    user = FundedUserFactory(tokens=100)
    services.debit(user, 100, Kind.PULL, "pull:1")
    assert selectors.balance(user) == 0


def test_not_enough_tokens_is_refused_with_the_numbers_and_changes_nothing():
    user = FundedUserFactory(tokens=40)

    with pytest.raises(services.InsufficientTokens) as refused:
        services.debit(user, 100, Kind.PULL, "pull:1")

    assert str(refused.value) == "Not enough tokens: this needs 100, you have 40."
    assert (refused.value.status, refused.value.code) == (402, "insufficient_tokens")
    assert selectors.balance(user) == 40
    assert selectors.transactions(user).count() == 1
    assert_ledger_consistent(user)


@pytest.mark.parametrize("amount", [0, -5, 1.5, "10", True, None])
def test_amounts_must_be_positive_whole_tokens(user, amount):
    with pytest.raises(ValueError):
        services.credit(user, amount, Kind.GRANT, "x")
    with pytest.raises(ValueError):
        services.debit(user, amount, Kind.PULL, "x")
    assert not selectors.transactions(user).exists()


@pytest.mark.parametrize(
    ("operation", "kind"),
    [("credit", Kind.PULL), ("credit", Kind.FREE), ("debit", Kind.PURCHASE), ("debit", Kind.REFUND), ("debit", "x")],
)
def test_each_kind_goes_one_way(user, operation, kind):
    with pytest.raises(ValueError):
        getattr(services, operation)(user, 10, kind, "x")


def test_a_repeated_idempotency_key_returns_the_first_entry_and_applies_nothing(user):
    first = services.credit(user, 500, Kind.PURCHASE, "stripe:cs_1", idempotency_key="stripe:evt_1")
    again = services.credit(user, 500, Kind.PURCHASE, "stripe:cs_1", idempotency_key="stripe:evt_1")

    assert again.pk == first.pk
    assert selectors.balance(user) == 500
    assert selectors.transactions(user).count() == 1


def test_an_idempotent_debit_is_taken_once():
    user = FundedUserFactory(tokens=300)
    services.debit(user, 100, Kind.JOB, "job:1", idempotency_key="job:1:price")
    services.debit(user, 100, Kind.JOB, "job:1", idempotency_key="job:1:price")
    assert selectors.balance(user) == 200


def test_an_idempotency_key_used_for_another_user_is_a_conflict_not_a_repeat(user, other_user):
    services.credit(user, 500, Kind.PURCHASE, "stripe:cs_1", idempotency_key="stripe:evt_1")

    with pytest.raises(services.IdempotencyConflict):
        services.credit(other_user, 500, Kind.PURCHASE, "stripe:cs_1", idempotency_key="stripe:evt_1")
    assert selectors.balance(other_user) == 0


def test_a_refund_is_applied_at_most_once_per_key():
    user = FundedUserFactory(tokens=100)
    services.debit(user, 100, Kind.JOB, "job:7")

    first = services.refund(user, 60, "job:7", "Cancelled: unspent share", idempotency_key="job:7:cancel")
    again = services.refund(user, 60, "job:7", "Cancelled: unspent share", idempotency_key="job:7:cancel")

    assert again.pk == first.pk
    assert (first.kind, first.amount, first.balance_after) == ("refund", 60, 60)
    assert selectors.balance(user) == 60
    assert_ledger_consistent(user)


@pytest.mark.parametrize(("reason", "key"), [("", "k"), ("  ", "k"), ("why", ""), ("why", None)])
def test_a_refund_needs_a_reason_and_a_key(user, reason, key):
    with pytest.raises(ValueError):
        services.refund(user, 10, "job:1", reason, idempotency_key=key)
    assert not selectors.transactions(user).exists()


def test_a_grant_records_the_staff_member_and_the_reason(user):
    staff = UserFactory(is_staff=True)

    entry = services.grant(user, 75, "Launch-week gift", created_by=staff)

    assert (entry.kind, entry.amount, entry.reason, entry.created_by) == ("grant", 75, "Launch-week gift", staff)
    assert selectors.balance(user) == 75


def test_a_grant_needs_a_reason(user):
    with pytest.raises(ValueError):
        services.grant(user, 75, " ", created_by=None)
    assert selectors.balance(user) == 0


def test_the_balance_always_equals_the_sum_of_the_entries_after_a_mix_of_changes(user, settings):
    settings.FREE_PULLS_PER_DAY = 1
    settings.PULL_COST_TOKENS = 100
    services.credit(user, 1000, Kind.PURCHASE, "stripe:cs_1")
    free = services.spend_for_pull(user, reference="pull:1")
    paid = services.spend_for_pull(user, reference="pull:2", count=3)
    services.refund_pull_spend(paid, "pull:2", "Worker lost")
    services.refund_pull_spend(free, "pull:1", "Worker lost")
    services.debit(user, 25, Kind.ADJUSTMENT, "support", reason="Double grant")
    services.grant(user, 5, "Goodwill", created_by=None)

    assert selectors.balance(user) == 980
    assert_ledger_consistent(user)


def test_the_database_refuses_a_negative_balance(user):
    services.grant(user, 5, "makes the wallet", created_by=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        Wallet.objects.filter(user=user).update(balance=-1)


def test_ledger_entries_cannot_be_edited_or_deleted(user):
    entry = services.credit(user, 10, Kind.GRANT, "x", reason="test")

    entry.amount = 1_000_000
    with pytest.raises(ValueError):
        entry.save()
    with pytest.raises(ValueError):
        entry.delete()
    assert LedgerEntry.objects.get(pk=entry.pk).amount == 10


def test_a_change_for_a_user_without_a_wallet_creates_it(user):
    services.credit(user, 10, Kind.GRANT, "x", reason="test")
    services.credit(user, 5, Kind.GRANT, "x", reason="test")
    assert Wallet.objects.get(user=user).balance == 15


def test_one_operation_moves_at_most_a_billion_tokens(user):
    services.grant(user, services.MAX_TOKENS_PER_OPERATION, "the most at once", created_by=None)

    with pytest.raises(ValueError, match="at most 1,000,000,000"):
        services.grant(user, services.MAX_TOKENS_PER_OPERATION + 1, "one too many", created_by=None)
    with pytest.raises(ValueError, match="at most"):
        services.credit(user, 99999999999999999999, Kind.PURCHASE, "x")
    with pytest.raises(ValueError, match="at most"):
        services.debit(user, 99999999999999999999, Kind.ADJUSTMENT, "x")
    assert selectors.balance(user) == services.MAX_TOKENS_PER_OPERATION
    assert_ledger_consistent(user)


def test_a_credit_past_the_maximum_balance_is_refused_and_changes_nothing(user, monkeypatch):
    monkeypatch.setattr(services, "MAX_BALANCE", 1_500)
    services.grant(user, 1_000, "first", created_by=None)

    with pytest.raises(ValueError, match="past the most a wallet holds"):
        services.grant(user, 501, "second", created_by=None)

    services.grant(user, 500, "up to the maximum exactly", created_by=None)
    assert selectors.balance(user) == 1_500
    assert selectors.transactions(user).count() == 2
    assert_ledger_consistent(user)


def test_str_says_who_and_how_much(user):
    entry = services.credit(user, 10, Kind.GRANT, "support:42", reason="test")
    assert str(Wallet.objects.get(user=user)) == f"{user}: 10 tokens"
    assert str(entry) == f"#{entry.pk} {user} grant +10 → 10 (support:42)"
