"""Credits, debits, refunds and grants: every change is one ledger entry (PRODUCT.md §7)."""
import pytest
from django.db import IntegrityError, transaction

from economy import selectors, services
from economy.exceptions import IdempotencyConflict, InsufficientTokens, InvalidAmount
from economy.models import LedgerEntry, Wallet
from tests.factories import FundedUserFactory, UserFactory, pay_pulls

from .checks import assert_ledger_consistent

Kind = LedgerEntry.Kind
pytestmark = pytest.mark.django_db


def test_a_new_user_has_no_wallet_row_yet_and_reads_as_empty(user):
    assert not Wallet.objects.filter(user=user).exists()
    assert selectors.balance(user) == 0
    assert selectors.wallet_summary(user) == selectors.WalletSummary(balance=0, free_pulls_left=3)
    assert not selectors.transactions(user).exists()


def test_credit_adds_tokens_and_writes_one_entry_with_balance_before_and_after(user):
    services.wallet_credit(user, amount=250, kind=Kind.PURCHASE, reference="stripe:cs_1")
    entry = services.wallet_credit(user, amount=50, kind=Kind.GRANT, reference="support", reason="sorry")

    assert selectors.balance(user) == 300
    assert (entry.kind, entry.amount, entry.balance_before, entry.balance_after) == ("grant", 50, 250, 300)
    assert (entry.reference, entry.reason) == ("support", "sorry")
    assert selectors.transactions(user).count() == 2
    assert_ledger_consistent(user)


def test_debit_takes_tokens_and_records_a_negative_amount():
    user = FundedUserFactory(tokens=300)

    entry = services.wallet_debit(user, amount=100, kind=Kind.JOB, reference="job:3")

    assert selectors.balance(user) == 200
    assert (entry.kind, entry.amount, entry.balance_before, entry.balance_after) == ("job", -100, 300, 200)
    assert_ledger_consistent(user)


def test_a_debit_can_take_the_last_token():
    user = FundedUserFactory(tokens=100)
    services.wallet_debit(user, amount=100, kind=Kind.PULL, reference="pull:1")
    assert selectors.balance(user) == 0


def test_not_enough_tokens_is_refused_with_the_numbers_and_changes_nothing():
    user = FundedUserFactory(tokens=40)

    with pytest.raises(InsufficientTokens) as refused:
        services.wallet_debit(user, amount=100, kind=Kind.PULL, reference="pull:1")

    assert str(refused.value) == "Not enough tokens: this needs 100, you have 40."
    assert (refused.value.status, refused.value.code) == (402, "insufficient_tokens")
    assert selectors.balance(user) == 40
    assert selectors.transactions(user).count() == 1
    assert_ledger_consistent(user)


@pytest.mark.parametrize("amount", [0, -5, 1.5, "10", True, None])
def test_amounts_must_be_positive_whole_tokens(user, amount):
    with pytest.raises(InvalidAmount) as refused:
        services.wallet_credit(user, amount=amount, kind=Kind.GRANT, reference="x")
    with pytest.raises(InvalidAmount):
        services.wallet_debit(user, amount=amount, kind=Kind.PULL, reference="x")
    assert (refused.value.status, refused.value.code) == (400, "bad_request")
    assert not selectors.transactions(user).exists()


@pytest.mark.parametrize(
    ("operation", "kind"),
    [
        (services.wallet_credit, Kind.PULL),
        (services.wallet_credit, Kind.FREE),
        (services.wallet_debit, Kind.PURCHASE),
        (services.wallet_debit, Kind.REFUND),
        (services.wallet_debit, "x"),
    ],
)
def test_each_kind_goes_one_way(user, operation, kind):
    with pytest.raises(InvalidAmount):
        operation(user, amount=10, kind=kind, reference="x")


def test_a_repeated_idempotency_key_returns_the_first_entry_and_applies_nothing(user):
    purchase = {"amount": 500, "kind": Kind.PURCHASE, "reference": "stripe:cs_1", "idempotency_key": "stripe:evt_1"}
    first = services.wallet_credit(user, **purchase)
    again = services.wallet_credit(user, **purchase)

    assert again.pk == first.pk
    assert selectors.balance(user) == 500
    assert selectors.transactions(user).count() == 1


def test_an_idempotent_debit_is_taken_once():
    user = FundedUserFactory(tokens=300)
    services.wallet_debit(user, amount=100, kind=Kind.JOB, reference="job:1", idempotency_key="job:1:price")
    services.wallet_debit(user, amount=100, kind=Kind.JOB, reference="job:1", idempotency_key="job:1:price")
    assert selectors.balance(user) == 200


def test_an_idempotency_key_used_for_another_user_is_a_conflict_not_a_repeat(user, other_user):
    purchase = {"amount": 500, "kind": Kind.PURCHASE, "reference": "stripe:cs_1", "idempotency_key": "stripe:evt_1"}
    services.wallet_credit(user, **purchase)

    with pytest.raises(IdempotencyConflict) as refused:
        services.wallet_credit(other_user, **purchase)
    assert (refused.value.status, refused.value.code) == (409, "conflict")
    assert selectors.balance(other_user) == 0


def test_a_grant_records_the_staff_member_and_the_reason(user):
    staff = UserFactory(is_staff=True)

    entry = services.wallet_grant(user, amount=75, reason="Launch-week gift", created_by=staff)

    assert (entry.kind, entry.amount, entry.reason, entry.created_by) == ("grant", 75, "Launch-week gift", staff)
    assert selectors.balance(user) == 75


def test_a_grant_needs_a_reason(user):
    with pytest.raises(InvalidAmount):
        services.wallet_grant(user, amount=75, reason=" ", created_by=None)
    assert selectors.balance(user) == 0


def test_the_balance_always_equals_the_sum_of_the_entries_after_a_mix_of_changes(user, settings):
    settings.FREE_PULLS_PER_DAY = 1
    settings.PULL_COST_TOKENS = 100
    services.wallet_credit(user, amount=1000, kind=Kind.PURCHASE, reference="stripe:cs_1")
    free = pay_pulls(user, reference="pull:1")
    paid = pay_pulls(user, reference="pull:2", count=3)
    services.spend_refund(paid.pk, reason="Worker lost", reference="pull:2")
    services.spend_refund(free.pk, reason="Worker lost", reference="pull:1")
    services.wallet_debit(user, amount=25, kind=Kind.ADJUSTMENT, reference="support", reason="Double grant")
    services.wallet_grant(user, amount=5, reason="Goodwill", created_by=None)

    assert selectors.balance(user) == 980
    assert_ledger_consistent(user)


def test_the_database_refuses_a_negative_balance(user):
    services.wallet_grant(user, amount=5, reason="makes the wallet", created_by=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        Wallet.objects.filter(user=user).update(balance=-1)


def test_ledger_entries_cannot_be_edited_or_deleted(user):
    entry = services.wallet_credit(user, amount=10, kind=Kind.GRANT, reference="x", reason="test")

    entry.amount = 1_000_000
    with pytest.raises(ValueError):
        entry.save()
    with pytest.raises(ValueError):
        entry.delete()
    assert LedgerEntry.objects.get(pk=entry.pk).amount == 10


def test_a_change_for_a_user_without_a_wallet_creates_it(user):
    services.wallet_credit(user, amount=10, kind=Kind.GRANT, reference="x", reason="test")
    services.wallet_credit(user, amount=5, kind=Kind.GRANT, reference="x", reason="test")
    assert Wallet.objects.get(user=user).balance == 15


def test_the_wallet_lock_makes_a_missing_wallet_once(user):
    with transaction.atomic():
        wallet = services.wallet_lock(user.pk)
        again = services.wallet_lock(user.pk)

    assert (wallet.user_id, wallet.balance) == (user.pk, 0)
    assert again.pk == wallet.pk
    assert Wallet.objects.filter(user=user).count() == 1


def test_one_operation_moves_at_most_a_billion_tokens(user):
    services.wallet_grant(user, amount=services.MAX_TOKENS_PER_OPERATION, reason="the most at once", created_by=None)

    with pytest.raises(InvalidAmount, match="at most 1,000,000,000"):
        services.wallet_grant(user, amount=services.MAX_TOKENS_PER_OPERATION + 1, reason="one too many", created_by=None)
    with pytest.raises(InvalidAmount, match="at most"):
        services.wallet_credit(user, amount=99999999999999999999, kind=Kind.PURCHASE, reference="x")
    with pytest.raises(InvalidAmount, match="at most"):
        services.wallet_debit(user, amount=99999999999999999999, kind=Kind.ADJUSTMENT, reference="x")
    assert selectors.balance(user) == services.MAX_TOKENS_PER_OPERATION
    assert_ledger_consistent(user)


def test_a_credit_past_the_maximum_balance_is_refused_and_changes_nothing(user, monkeypatch):
    monkeypatch.setattr(services, "MAX_BALANCE", 1_500)
    services.wallet_grant(user, amount=1_000, reason="first", created_by=None)

    with pytest.raises(InvalidAmount, match="past the most a wallet holds"):
        services.wallet_grant(user, amount=501, reason="second", created_by=None)

    services.wallet_grant(user, amount=500, reason="up to the maximum exactly", created_by=None)
    assert selectors.balance(user) == 1_500
    assert selectors.transactions(user).count() == 2
    assert_ledger_consistent(user)


def test_str_says_who_and_how_much(user):
    entry = services.wallet_credit(user, amount=10, kind=Kind.GRANT, reference="support:42", reason="test")
    assert str(Wallet.objects.get(user=user)) == f"{user}: 10 tokens"
    assert str(entry) == f"#{entry.pk} {user} grant +10 → 10 (support:42)"


def test_taking_back_what_is_available_never_goes_below_zero_and_reports_the_shortfall():
    user = FundedUserFactory(tokens=100)
    charged_back = {"reference": "stripe:ch_1", "reason": "Purchase refunded at Stripe"}

    first, first_short = services.wallet_debit_available(user, amount=60, idempotency_key="stripe:evt_1", **charged_back)
    second, second_short = services.wallet_debit_available(user, amount=100, idempotency_key="stripe:evt_2", **charged_back)

    assert (first.kind, first.amount, first.balance_after, first_short) == ("adjustment", -60, 40, 0)
    assert (second.kind, second.amount, second.balance_after, second_short) == ("adjustment", -40, 0, 60)
    assert (second.reference, second.reason) == ("stripe:ch_1", "Purchase refunded at Stripe")
    assert selectors.balance(user) == 0
    assert selectors.spent_today(user) == 0, "taking tokens back is not spending"
    assert_ledger_consistent(user)


def test_taking_back_is_applied_once_per_key():
    user = FundedUserFactory(tokens=100)
    charged_back = {"amount": 150, "reference": "stripe:ch_1", "reason": "Refunded", "idempotency_key": "stripe:evt_1"}

    first = services.wallet_debit_available(user, **charged_back)
    again = services.wallet_debit_available(user, **charged_back)

    assert first[0].pk == again[0].pk
    assert first[1] == again[1] == 50
    assert selectors.balance(user) == 0
    assert selectors.transactions(user).filter(kind=Kind.ADJUSTMENT).count() == 1


def test_taking_back_from_an_empty_wallet_takes_nothing_owes_it_all_and_spends_the_key(user):
    taking = {"amount": 30, "reference": "stripe:ch_1", "reason": "Refunded", "idempotency_key": "stripe:evt_1"}
    entry, shortfall = services.wallet_debit_available(user, **taking)
    services.wallet_grant(user, amount=100, reason="Later purchase", created_by=None)
    again, still_owed = services.wallet_debit_available(user, **taking)

    assert (entry.amount, shortfall) == (0, 30)
    assert (again.pk, still_owed) == (entry.pk, 30)
    assert selectors.balance(user) == 100


@pytest.mark.parametrize(("amount", "reason"), [(0, "why"), (-5, "why"), (1.5, "why"), (10, ""), (10, "  ")])
def test_taking_back_needs_a_positive_amount_and_a_reason(amount, reason):
    user = FundedUserFactory(tokens=100)
    with pytest.raises(InvalidAmount):
        services.wallet_debit_available(user, amount=amount, reference="x", reason=reason, idempotency_key="k")
    assert selectors.balance(user) == 100


def test_taking_back_under_a_key_of_another_change_is_a_conflict():
    user = FundedUserFactory(tokens=100)
    services.wallet_credit(user, amount=5, kind=Kind.PURCHASE, reference="stripe:cs_1", idempotency_key="stripe:evt_1")

    with pytest.raises(IdempotencyConflict):
        services.wallet_debit_available(user, amount=5, reference="x", reason="Refunded", idempotency_key="stripe:evt_1")
    assert selectors.balance(user) == 105
