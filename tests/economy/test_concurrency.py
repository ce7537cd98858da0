"""The ledger invariants under real concurrency, against PostgreSQL (PRODUCT.md §7).

Each thread has its own database connection (Django's are per thread) and closes it at
the end; a barrier starts them together so their transactions really overlap.
"""
import random
import threading
from collections import Counter
from collections.abc import Callable

import pytest
from django.db import connection, connections
from django.db.transaction import TransactionManagementError

from economy import selectors, services
from economy.exceptions import InsufficientTokens
from economy.models import LedgerEntry, Wallet
from tests.factories import FundedUserFactory, pay_pulls

from .checks import assert_ledger_consistent

THREADS = 16
OPS_PER_THREAD = 20

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (bin/test sets DATABASE_URL)")


@pytest.fixture
def cheap_pulls(settings):
    settings.PULL_COST_TOKENS = 10
    settings.FREE_PULLS_PER_DAY = 3
    return settings


def run_together(threads: int, work: Callable[[int], None]) -> None:
    """Run ``work(i)`` in ``threads`` threads started at once; re-raise the first failure."""
    barrier = threading.Barrier(threads)
    failures: list[BaseException] = []

    def body(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            work(i)
        except BaseException as exc:  # reported in the main thread
            failures.append(exc)
        finally:
            connections.close_all()

    pool = [threading.Thread(target=body, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in pool), "a thread is stuck (deadlock?)"
    if failures:
        raise failures[0]


def test_many_spenders_on_one_wallet_take_exactly_the_tokens_there_are(cheap_pulls):
    user = FundedUserFactory(tokens=1000)  # 3 free pulls + 100 paid pulls of 10 tokens
    outcomes = Counter()
    lock = threading.Lock()

    def spend(_: int) -> None:
        for n in range(OPS_PER_THREAD):
            try:
                result = "free" if pay_pulls(user, reference=f"pull:{n}").kind == LedgerEntry.Kind.FREE else "paid"
            except InsufficientTokens:
                result = "refused"
            with lock:
                outcomes[result] += 1

    run_together(THREADS, spend)

    assert outcomes == {"free": 3, "paid": 100, "refused": THREADS * OPS_PER_THREAD - 103}
    assert selectors.balance(user) == 0
    assert LedgerEntry.objects.filter(user=user, kind=LedgerEntry.Kind.PULL).count() == 100
    assert_ledger_consistent(user)


def test_spends_and_refunds_racing_on_one_wallet_keep_every_invariant(cheap_pulls):
    cheap_pulls.FREE_PULLS_PER_DAY = 0
    user = FundedUserFactory(tokens=500)
    spends: list[LedgerEntry] = []
    refunded_entries: set[int] = set()
    lock = threading.Lock()

    def spend_and_refund(i: int) -> None:
        rng = random.Random(i)
        for n in range(OPS_PER_THREAD):
            if n % 2 == 0:
                try:
                    spend = pay_pulls(user, reference=f"pull:{i}-{n}")
                except InsufficientTokens:
                    continue
                with lock:
                    spends.append(spend)
                continue
            with lock:  # any spend, often one another thread is refunding right now
                target = rng.choice(spends) if spends else None
            if target is not None:
                services.spend_refund(target.pk, reason="Worker lost", reference=f"refund-test:{i}")
                with lock:
                    refunded_entries.add(target.pk)

    run_together(THREADS, spend_and_refund)

    refunds = LedgerEntry.objects.filter(user=user, kind=LedgerEntry.Kind.REFUND)
    assert refunds.count() == len(refunded_entries)  # each spend refunded at most once
    assert sorted(int(key.rsplit(":", 1)[1]) for key in refunds.values_list("idempotency_key", flat=True)) == sorted(
        refunded_entries
    )
    assert 500 - 10 * len(spends) + 10 * len(refunded_entries) == selectors.balance(user)
    assert_ledger_consistent(user)


def test_the_same_stripe_event_delivered_at_once_many_times_is_credited_once(user):
    def deliver(_: int) -> None:
        services.wallet_credit(
            user, amount=500, kind=LedgerEntry.Kind.PURCHASE, reference="stripe:cs_1", idempotency_key="stripe:evt_1"
        )

    run_together(THREADS, deliver)

    assert selectors.balance(user) == 500
    assert LedgerEntry.objects.filter(user=user).count() == 1


def test_two_pulls_at_once_with_tokens_for_one_exactly_one_succeeds(cheap_pulls):
    cheap_pulls.FREE_PULLS_PER_DAY = 0
    user = FundedUserFactory(tokens=10)
    results: list[str] = []

    def pull(i: int) -> None:
        try:
            pay_pulls(user, reference=f"pull:{i}")
            results.append("paid")
        except InsufficientTokens:
            results.append("refused")

    run_together(2, pull)

    assert sorted(results) == ["paid", "refused"]
    assert selectors.balance(user) == 0
    assert_ledger_consistent(user)


def test_a_user_whose_wallet_is_missing_can_be_credited_from_many_threads_at_once(user):
    assert not Wallet.objects.filter(user=user).exists()

    run_together(8, lambda i: services.wallet_grant(user, amount=1, reason="race", created_by=None))

    assert selectors.balance(user) == 8
    assert_ledger_consistent(user)


def test_paying_for_pulls_outside_a_transaction_is_refused_not_left_unlocked(user):
    with pytest.raises(TransactionManagementError):
        services.wallet_pay_pulls(user, count=1, reference="pull:1")
    assert not LedgerEntry.objects.filter(user=user).exists()
