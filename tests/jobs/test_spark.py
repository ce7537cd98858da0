"""The spark meter: tokens spent pulling one pattern fill it toward that pattern's
guaranteed price; a full meter becomes a guaranteed job once, even under two clicks."""
import threading

import pytest
from django.db import connection, connections

from economy import selectors as wallet
from jobs import selectors, services, spark
from jobs.exceptions import SparkNotFull
from jobs.models import Job
from patterns.engine import PatternSpec
from pulls import services as pulls
from tests.economy.checks import assert_ledger_consistent
from tests.factories import FundedUserFactory, PullFactory, use_up_free_pulls

ABCD = PatternSpec("abcd")  # about 282,600 keys: 340 tokens, so four 100-token pulls fill it


def meter(user, spec=ABCD):
    quote = selectors.job_quote(spec)
    return spark.spark_meter(user, spec, key=quote.pattern_key, price_tokens=quote.price_tokens)


@pytest.fixture
def puller(db):
    user = FundedUserFactory(tokens=10_000)
    use_up_free_pulls(user)
    return user


@pytest.mark.django_db
def test_paid_pulls_of_the_same_pattern_fill_the_meter_and_nothing_else_does(puller):
    assert selectors.job_quote(ABCD).price_tokens == 340
    PullFactory(user=puller, pattern="abcd")
    PullFactory(user=puller, pattern="  abcd ")  # the same parts after whitespace normalisation
    PullFactory(user=puller, pattern="abcd", fuzzy=True)  # other options: another meter
    PullFactory(user=puller, pattern="abcd", format="solana")
    PullFactory(user=puller, pattern="abcde")
    assert (meter(puller).spent_tokens, meter(puller).filled, meter(puller).full) == (200, 200, False)
    assert meter(puller).percent == 58 and meter(puller).missing == 140
    assert meter(puller, PatternSpec("abcd", fuzzy=True)).filled == 100


@pytest.mark.django_db
def test_free_pulls_do_not_fill_the_meter_and_refunded_pulls_are_taken_out():
    user = FundedUserFactory(tokens=10_000)
    PullFactory(user=user, pattern="abcd")  # a free pull
    assert meter(user).filled == 0
    use_up_free_pulls(user)
    kept = PullFactory(user=user, pattern="abcd")
    failed = PullFactory(user=user, pattern="abcd")
    pulls.pull_fail(failed.pk, reason="a test")
    assert meter(user).filled == kept.tokens_spent == 100


@pytest.mark.django_db
def test_a_ten_pull_counts_what_is_left_of_its_one_debit(puller):
    ten = pulls.pull_start(puller, spec=ABCD, count=10)
    pulls.pull_fail(ten[0].pk, reason="one of ten failed")
    assert meter(puller).filled == 900


@pytest.mark.django_db
def test_a_full_meter_becomes_one_job_at_no_further_cost_recorded_once(puller, captured_enqueues):
    for _ in range(4):
        PullFactory(user=puller, pattern="abcd")
    balance = wallet.balance(puller)
    assert meter(puller).full

    job = services.job_create_from_spark(puller, spec=PatternSpec(" abcd"))
    assert (job.paid_with, job.price_tokens, job.spark_tokens, job.status) == ("spark", 340, 340, "queued")
    entry = job.spend_entry
    assert (entry.kind, entry.amount, entry.reference) == ("job", 0, f"job:{job.public_id}")
    assert entry.idempotency_key.startswith(f"spark:{puller.pk}:") and entry.idempotency_key.endswith(":1")
    assert wallet.balance(puller) == balance
    assert job.chunks.count() == 2 and captured_enqueues == []  # queued after the commit only

    assert (meter(puller).filled, meter(puller).full) == (60, False)  # 400 spent, 340 used
    with pytest.raises(SparkNotFull) as refused:
        services.job_create_from_spark(puller, spec=ABCD)
    assert refused.value.status == 409 and Job.objects.count() == 1
    assert_ledger_consistent(puller)


@pytest.mark.django_db
def test_cancelling_a_spark_job_gives_its_unspent_share_back_to_the_meter(puller, captured_enqueues):
    for _ in range(4):
        PullFactory(user=puller, pattern="abcd")
    job = services.job_create_from_spark(puller, spec=ABCD)
    balance = wallet.balance(puller)
    cancelled = services.job_cancel(puller, public_id=job.public_id)
    assert cancelled.spark_tokens == 0 and meter(puller).filled == 400  # nothing ground: all of it back
    assert wallet.balance(puller) == balance  # tokens were never paid, so none come back
    assert wallet.transactions(puller).filter(kind="refund", refunds=job.spend_entry, amount=0).count() == 1


@pytest.mark.django_db
def test_a_meter_short_of_the_price_changes_nothing(puller):
    PullFactory(user=puller, pattern="abcd")
    with pytest.raises(SparkNotFull) as refused:
        services.job_create_from_spark(puller, spec=ABCD)
    assert "100 of the 340 tokens" in refused.value.message
    assert not Job.objects.exists() and not wallet.transactions(puller).filter(kind="job").exists()


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_clicks_on_a_full_meter_make_exactly_one_job(captured_enqueues):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL's row locks")
    user = FundedUserFactory(tokens=10_000)
    use_up_free_pulls(user)
    for _ in range(4):
        PullFactory(user=user, pattern="abcd")
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def click() -> None:
        try:
            barrier.wait()
            outcomes.append(services.job_create_from_spark(user, spec=ABCD))
        except SparkNotFull as exc:
            outcomes.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(type(outcome).__name__ for outcome in outcomes) == ["Job", "SparkNotFull"]
    assert Job.objects.filter(user=user, paid_with="spark").count() == 1
    assert wallet.transactions(user).filter(kind="job", amount=0).count() == 1
    assert_ledger_consistent(user)
