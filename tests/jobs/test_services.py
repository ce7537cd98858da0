"""Job services in one process: paying and creating in one transaction, chunk leases (a
delivery counts its keys once), the first match wins, cancel and failure refunds through
the ledger, the beat sweep, the result e-mail."""
import datetime as dt
import math

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from economy import selectors as wallet
from economy import services as economy
from economy.exceptions import InsufficientTokens, SpendingLimitExceeded
from economy.models import LedgerEntry
from jobs import selectors, services
from jobs.exceptions import JobSettled, PriceChanged
from jobs.models import Chunk, Job
from patterns import custody
from patterns.engine import PatternSpec, compile_pattern, evaluate
from patterns.engine.formats import did_key_public_key
from patterns.engine.keys import public_key_from_seed
from tests.economy.checks import assert_ledger_consistent
from tests.factories import FundedUserFactory
from tests.jobs.conftest import CHUNK_KEYS
from tests.jobs.factories import EASY, HARD, finish_job, make_job

pytestmark = pytest.mark.django_db


def job_entries(user):
    return list(wallet.transactions(user).filter(kind__in=["job", "refund"]).order_by("id"))


def test_creating_a_job_pays_and_records_it_with_its_chunks_and_queues_them_after_commit(
    rich_user, captured_enqueues, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = make_job(rich_user, "GO BE 42", fuzzy=True)
    (entry,) = job_entries(rich_user)
    assert (entry.kind, entry.amount, entry.reference) == ("job", -job.price_tokens, f"job:{job.public_id}")
    assert job.spend_entry == entry and job.status == "queued" and job.paid_with == "tokens"
    assert wallet.balance(rich_user) == 1_000_000 - 100 == 1_000_000 - job.price_tokens
    chunks = list(job.chunks.order_by("index"))
    assert [(c.index, c.status, c.budget, c.keys_done) for c in chunks] == [(0, "queued", CHUNK_KEYS, 0), (1, "queued", CHUNK_KEYS, 0)]
    assert captured_enqueues == [c.pk for c in chunks]
    assert_ledger_consistent(rich_user)


def test_nothing_is_written_when_the_tokens_do_not_cover_the_price(captured_enqueues):
    poor = FundedUserFactory(tokens=99)
    with pytest.raises(InsufficientTokens) as refused:
        make_job(poor, "GO BE 42", fuzzy=True)
    assert refused.value.status == 402
    assert not Job.objects.exists() and not Chunk.objects.exists()
    assert wallet.balance(poor) == 99 and captured_enqueues == []


def test_a_spending_limit_refuses_a_job_by_name(captured_enqueues):
    limited = FundedUserFactory(tokens=1_000)
    economy.wallet_set_limits(limited, per_day=50, per_month=None)
    with pytest.raises(SpendingLimitExceeded) as refused:
        make_job(limited, "GO BE 42", fuzzy=True)
    assert "daily spending limit of 50" in refused.value.message
    assert not Job.objects.exists()


def test_a_price_other_than_the_one_confirmed_is_refused_and_nothing_is_paid(rich_user, captured_enqueues):
    with pytest.raises(PriceChanged):
        services.job_create(rich_user, spec=PatternSpec("GO BE 42", fuzzy=True), price_tokens=99)
    assert not Job.objects.exists() and wallet.balance(rich_user) == 1_000_000
    assert services.job_create(rich_user, spec=PatternSpec("GO BE 42", fuzzy=True), price_tokens=100).price_tokens == 100


def test_a_chunk_that_grinds_its_budget_records_its_keys_and_queues_the_next(rich_user, captured_enqueues):
    job = make_job(rich_user, HARD)
    first = job.chunks.get(index=0)
    lease = services.chunk_claim(first.pk, worker="host:1")
    assert services.chunk_grind(lease) == "done"
    first.refresh_from_db()
    assert (first.status, first.keys_done, first.attempts, first.worker) == ("done", CHUNK_KEYS, 1, "host:1")
    assert first.keys_per_second > 0
    job.refresh_from_db()
    assert job.status == "running" and job.started_at is not None
    assert list(job.chunks.values_list("index", "status")) == [(0, "done"), (1, "queued"), (2, "queued")]
    assert selectors.job_progress(job).keys_tried == CHUNK_KEYS


def test_with_one_chunk_in_flight_the_next_chunk_follows_the_first(rich_user, captured_enqueues, settings):
    settings.JOB_CHUNKS_IN_FLIGHT = 1
    job = make_job(rich_user, HARD)
    services.chunk_finish(services.chunk_claim(job.chunks.get().pk, worker="host:1"), keys=CHUNK_KEYS, rate=1.0)
    assert list(job.chunks.values_list("index", "status")) == [(0, "done"), (1, "queued")]


def test_a_second_delivery_of_a_held_chunk_does_nothing_and_a_takeover_never_counts_twice(rich_user, captured_enqueues, settings):
    job = make_job(rich_user, HARD)
    chunk = job.chunks.get(index=0)
    first = services.chunk_claim(chunk.pk, worker="host:1")
    assert services.chunk_heartbeat(first, keys=5_000, rate=1.0)
    assert services.chunk_claim(chunk.pk, worker="host:2") is None  # held, heart-beating: a duplicate message

    Chunk.objects.filter(pk=chunk.pk).update(heartbeat_at=timezone.now() - dt.timedelta(seconds=60))
    second = services.chunk_claim(chunk.pk, worker="host:2")  # the first worker went silent: taken over
    assert (second.base_keys, second.attempt) == (5_000, 2)
    assert not services.chunk_heartbeat(first, keys=9_000, rate=1.0)  # the old delivery may no longer write
    services.chunk_finish(first, keys=20_000, rate=1.0)
    chunk.refresh_from_db()
    assert (chunk.status, chunk.keys_done) == ("running", 5_000)

    assert services.chunk_grind(second) == "done"
    chunk.refresh_from_db()
    assert (chunk.status, chunk.keys_done, chunk.attempts) == ("done", CHUNK_KEYS, 2)
    assert services.chunk_claim(chunk.pk, worker="host:3") is None  # a late redelivery of a finished chunk
    assert selectors.chunk_keys_tried(job.pk) == CHUNK_KEYS


def test_the_first_match_completes_the_job_once_with_a_key_the_matcher_confirms(rich_user, captured_enqueues):
    job = make_job(rich_user, EASY)
    a, b = (services.chunk_claim(c.pk, worker=f"host:{c.index}") for c in job.chunks.order_by("index"))
    assert services.chunk_grind(a) == "found"
    assert services.chunk_grind(b) == "stopped"  # the flag is up at its first check: no second result
    job.refresh_from_db()
    assert job.status == "done" and job.found_chunk_id == a.chunk_id and job.key_kept
    seed = custody.open_seed(job.encrypted_seed)
    public = public_key_from_seed(seed)
    assert did_key_public_key(job.address) == public
    match = evaluate(compile_pattern(PatternSpec(EASY)), job.body)
    assert match.jackpot and job.jackpot and job.score == job.n == 1
    assert job.matches == [{"part": "xyz", "position": match.matches[0][1]}]
    assert job.keys_tried == Chunk.objects.get(pk=a.chunk_id).keys_done > 0  # frozen when found; b came later
    assert list(job.chunks.values_list("status", flat=True)) == ["found", "stopped"]
    assert len(job_entries(rich_user)) == 1  # one charge, no refund


def test_a_match_found_after_the_job_settled_changes_nothing(rich_user, captured_enqueues):
    job = finish_job(make_job(rich_user, EASY))
    address = job.address
    late = Chunk.objects.create(job=job, index=9, budget=CHUNK_KEYS, status="running", lease="x" * 32)
    lease = services.ChunkLease(late.pk, job.pk, "x" * 32, 0, CHUNK_KEYS, 1)
    candidate = services._verified(compile_pattern(PatternSpec(EASY)), _any_jackpot(EASY))
    assert not services.job_found(lease, candidate=candidate, keys=1, rate=1.0)
    job.refresh_from_db()
    assert job.address == address and job.found_chunk_id != late.pk


def _any_jackpot(pattern):
    from patterns.engine import grind

    return grind(compile_pattern(PatternSpec(pattern)), until="jackpot").best


def test_cancel_refunds_the_unspent_share_once_linked_to_the_spend(rich_user, captured_enqueues):
    economy.wallet_set_limits(rich_user, per_day=200_000, per_month=None)
    job = make_job(rich_user, "vani", format="did:key")  # about 261,000 keys, 314 tokens
    lease = services.chunk_claim(job.chunks.get(index=0).pk, worker="host:1")
    services.chunk_heartbeat(lease, keys=15_000, rate=1.0)
    spent_before = wallet.spending_limits(rich_user).spent_today

    cancelled = services.job_cancel(rich_user, public_id=job.public_id)
    refund = math.floor(job.price_tokens * (1 - 15_000 / job.expected_keys))
    assert cancelled.status == "cancelled" and cancelled.keys_tried == 15_000
    spend, back = job_entries(rich_user)
    assert (back.kind, back.amount, back.refunds_id, back.reference) == ("refund", refund, spend.pk, f"job:{job.public_id}")
    assert wallet.spending_limits(rich_user).spent_today == spent_before - refund
    assert selectors.refunded_tokens(cancelled) == refund

    again = services.job_cancel(rich_user, public_id=job.public_id)
    assert again.status == "cancelled" and len(job_entries(rich_user)) == 2
    assert not services.chunk_heartbeat(lease, keys=16_000, rate=1.0)  # the stop flag is up
    assert set(job.chunks.exclude(pk=lease.chunk_id).values_list("status", flat=True)) == {"stopped"}
    assert_ledger_consistent(rich_user)


def test_a_done_job_cannot_be_cancelled(rich_user, captured_enqueues):
    job = finish_job(make_job(rich_user, EASY))
    with pytest.raises(JobSettled) as refused:
        services.job_cancel(rich_user, public_id=job.public_id)
    assert refused.value.status == 409 and len(job_entries(rich_user)) == 1


def test_a_failed_job_is_refunded_in_full_once(rich_user, captured_enqueues):
    job = make_job(rich_user, HARD)
    services.job_fail(job.pk, reason="a test")
    services.job_fail(job.pk, reason="again")
    spend, back = job_entries(rich_user)
    assert back.amount == job.price_tokens and back.refunds_id == spend.pk
    assert wallet.balance(rich_user) == 1_000_000
    job.refresh_from_db()
    assert job.status == "failed" and job.failure_reason == "a test"


def test_a_chunk_that_keeps_failing_is_retried_then_fails_its_job_with_a_full_refund(rich_user, captured_enqueues, settings):
    job = make_job(rich_user, HARD)
    chunk = job.chunks.get(index=0)
    for attempt in range(1, settings.JOB_CHUNK_MAX_ATTEMPTS + 1):
        with transaction.atomic():
            lease = services.chunk_claim(chunk.pk, worker="host:1")
            assert lease.attempt == attempt
            services.chunk_heartbeat(lease, keys=1_000, rate=1.0)  # each attempt adds its own keys
            services.chunk_fail(lease, reason="boom")
        job.refresh_from_db()
        assert job.status == ("failed" if attempt == settings.JOB_CHUNK_MAX_ATTEMPTS else "running")
    chunk.refresh_from_db()
    assert (chunk.status, chunk.last_error, chunk.keys_done) == ("failed", "boom", 3_000)
    assert "3 attempts" in job.failure_reason
    assert wallet.balance(rich_user) == 1_000_000


def test_the_sweep_requeues_a_silent_chunk_and_fails_a_job_whose_chunk_used_every_attempt(
    rich_user, captured_enqueues, settings, django_capture_on_commit_callbacks
):
    job = make_job(rich_user, HARD)
    chunk = job.chunks.get(index=0)
    services.chunk_claim(chunk.pk, worker="dead:1")
    later = timezone.now() + dt.timedelta(seconds=settings.JOB_HEARTBEAT_STALE_SECONDS + 1)
    captured_enqueues.clear()
    with django_capture_on_commit_callbacks(execute=True):
        report = services.jobs_sweep(now=later)
    chunk.refresh_from_db()
    assert report["requeued"] == 1 and chunk.status == "queued" and "dead:1" in chunk.last_error
    assert chunk.pk in captured_enqueues

    Chunk.objects.filter(pk=chunk.pk).update(status="running", attempts=settings.JOB_CHUNK_MAX_ATTEMPTS, heartbeat_at=timezone.now())
    report = services.jobs_sweep(now=later + dt.timedelta(seconds=10))
    job.refresh_from_db()
    assert report["failed"] == 1 and job.status == "failed" and wallet.balance(rich_user) == 1_000_000


def test_the_sweep_stops_silent_chunks_of_settled_jobs_and_tops_up_open_jobs(rich_user, captured_enqueues, settings):
    settled = make_job(rich_user, HARD)
    chunk = settled.chunks.get(index=0)
    services.chunk_claim(chunk.pk, worker="dead:1")
    services.job_fail(settled.pk, reason="x")
    short = make_job(rich_user, HARD)
    short.chunks.filter(index=1).update(status="done")
    report = services.jobs_sweep(now=timezone.now() + dt.timedelta(seconds=settings.JOB_HEARTBEAT_STALE_SECONDS + 1))
    chunk.refresh_from_db()
    assert chunk.status == "stopped" and report["stopped"] == 1
    assert report["added"] == 1 and short.chunks.filter(status="queued").count() == settings.JOB_CHUNKS_IN_FLIGHT


def test_a_found_key_is_e_mailed_once_without_the_key(rich_user, captured_enqueues, django_capture_on_commit_callbacks, settings):
    settings.SITE_URL = "https://vanikeys.example"
    with django_capture_on_commit_callbacks(execute=True):
        job = finish_job(make_job(rich_user, EASY))
    (message,) = mail.outbox
    assert message.to == [rich_user.email] and job.address in message.body
    assert f"https://vanikeys.example/jobs/{job.public_id}" in message.body
    seed_hex = custody.open_seed(Job.objects.get(pk=job.pk).encrypted_seed).hex()
    assert seed_hex not in message.body
    assert not services.job_notify(job.pk) and len(mail.outbox) == 1
    assert Job.objects.get(pk=job.pk).notified_at is not None


def test_the_owner_can_erase_the_key(rich_user, captured_enqueues):
    job = finish_job(make_job(rich_user, EASY))
    erased = services.job_erase_key(rich_user, public_id=job.public_id)
    assert not erased.has_key and not Job.objects.get(pk=job.pk).has_key
    assert Job.objects.get(pk=job.pk).key_erased_at is not None


def test_staff_refund_gives_back_what_is_left_with_the_staff_member_named(rich_user, staff, captured_enqueues):
    job = make_job(rich_user, HARD)
    services.job_refund_by_staff(job.pk, reason="goodwill", created_by=staff)
    back = LedgerEntry.objects.get(kind="refund", user=rich_user)
    assert (back.amount, back.created_by, back.refunds_id) == (job.price_tokens, staff, job.spend_entry_id)


@pytest.mark.parametrize("fmt", ["solana", "ssh", "ssh-fp", "onion"])
def test_a_job_in_every_format_keeps_a_key_that_exports_for_its_address(rich_user, captured_enqueues, fmt):
    from jobs import selectors as job_selectors
    from patterns.engine.grind import candidate_from_secret

    job = finish_job(make_job(rich_user, "ab", format=fmt))
    secret = custody.open_seed(Job.objects.get(pk=job.pk).encrypted_seed)
    assert candidate_from_secret(compile_pattern(PatternSpec("ab", format=fmt)), secret).address == job.address
    files = job_selectors.key_files_for_owner(rich_user, job.public_id)
    assert files["address.txt"].strip() == job.address


def test_the_job_rate_counts_each_worker_once_by_its_latest_chunk(rich_user, captured_enqueues):
    job = make_job(rich_user, HARD)
    now = timezone.now()
    second = dt.timedelta(seconds=1)
    Chunk.objects.filter(job=job).delete()
    for index, (worker, status, heard, rate) in enumerate([
        ("a:1", "done", now - 2 * second, 50_000.0),  # a's last chunk, just finished ...
        ("a:1", "running", now - second, 60_000.0),  # ... and the one it grinds now
        ("b:2", "running", now - second, 40_000.0),
        ("c:3", "running", now - second, 0.0),  # just claimed: no rate yet, but busy
        ("d:4", "done", now - 60 * second, 99_000.0),  # long gone
    ]):
        Chunk.objects.create(job=job, index=index, budget=CHUNK_KEYS, status=status, worker=worker,
                             heartbeat_at=heard, keys_per_second=rate, keys_done=1_000)
    assert selectors.current_rate(job.pk, now=now) == (100_000.0, 3)
    progress = selectors.job_progress(job)
    assert progress.keys_tried == 5_000 and progress.workers_busy == 3
    assert progress.expected_matches_per_hour == pytest.approx(progress.keys_per_second * 3600 * job.p_jackpot)
