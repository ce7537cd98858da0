"""Guaranteed jobs on real PostgreSQL and Redis with two real ``celery worker`` processes
(and ``celery beat`` for the sweep): a job completes with an exact match, cancel stops the
workers, a worker's process group killed mid-job loses nothing and charges once, chunks
that keep failing refund the job, a chunk delivered twice counts once."""
import json
import math
import time

import pytest
from django.test import Client

from accounts import services as account_services
from economy import selectors as wallet
from jobs import services
from jobs.models import Chunk, Job
from jobs.tasks import grind_chunk_task
from patterns import custody
from patterns.engine import PatternSpec, compile_pattern, evaluate
from patterns.engine.formats import did_key_public_key
from patterns.engine.keys import public_key_from_seed
from tests.economy.checks import assert_ledger_consistent
from tests.factories import FundedUserFactory
from tests.jobs.conftest import CHUNK_KEYS, JOB_SETTINGS, wait_for
from tests.jobs.factories import HARD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

START = 1_000_000


def create(user, pattern: str, **options) -> Job:
    return services.job_create(user, spec=PatternSpec(pattern=pattern, **options))


def settled(job: Job, timeout: float) -> Job:
    def done():
        job.refresh_from_db()
        return not job.active

    wait_for(done, timeout=timeout, every=0.25, what=f"job #{job.pk} to settle")
    return job


def running_chunk_of(job: Job, worker: str) -> Chunk | None:
    """A chunk of ``job`` that ``worker`` is grinding (it has reported progress); None if the
    job settles first."""

    def grinding():
        chunk = Chunk.objects.filter(job=job, status="running", worker__startswith=worker, keys_done__gt=0).first()
        return chunk or not Job.objects.filter(pk=job.pk, status__in=("queued", "running")).exists()

    found = wait_for(grinding, timeout=60, every=0.05, what=f"{worker} grinding job #{job.pk}")
    return found if isinstance(found, Chunk) else None


def kill_a_mid_chunk(grinders, job: Job) -> Chunk | None:
    """SIGKILL worker a's whole process group while it grinds a chunk of ``job``: the chunk
    it held, still running as far as the database knows; None if the job settled first."""
    for _ in range(3):
        victim = running_chunk_of(job, "jobs-a")
        if victim is None:
            return None
        grinders.kill_group("a")
        victim.refresh_from_db()
        if victim.status == "running":
            return victim
        grinders.ensure_running()  # it had just finished that chunk: again, with the next one
    pytest.fail("worker a never held a chunk when killed")


def charges(user) -> list:
    return list(wallet.transactions(user).filter(kind__in=["job", "refund"]))


def assert_exact_match(job: Job, spec: PatternSpec) -> None:
    seed = custody.open_seed(job.encrypted_seed)
    assert did_key_public_key(job.address) == public_key_from_seed(seed)
    assert job.address.endswith(job.body)
    assert evaluate(compile_pattern(spec), job.body).jackpot


def test_a_job_needing_about_1e5_keys_completes_with_an_exact_match_on_two_workers(grinders):
    user = FundedUserFactory(tokens=START)
    spec = PatternSpec("GO BE 42", fuzzy=True)
    job = create(user, spec.pattern, fuzzy=True)
    assert 80_000 < job.expected_keys < 85_000

    settled(job, timeout=240)
    assert job.status == "done" and job.jackpot and job.found_chunk_id is not None
    assert_exact_match(job, spec)
    (charge,) = charges(user)
    assert charge.amount == -job.price_tokens and wallet.balance(user) == START - job.price_tokens
    workers = set(Chunk.objects.filter(job=job).exclude(worker="").values_list("worker", flat=True))
    assert {worker.split("@")[0] for worker in workers} == {"jobs-a", "jobs-b"}, workers
    assert Chunk.objects.filter(job=job, status="found").count() == 1
    wait_for(lambda: Job.objects.get(pk=job.pk).notified_at, timeout=10, what="the result e-mail")
    assert_ledger_consistent(user)


def test_cancel_refunds_the_unspent_share_and_the_workers_stop(grinders):
    user = FundedUserFactory(tokens=START)
    job = create(user, HARD)
    running_chunk_of(job, "jobs-a")
    running_chunk_of(job, "jobs-b")
    token = account_services.token_issue(user)
    api = Client(headers={"Authorization": f"Bearer {token}"})

    response = api.post(f"/api/jobs/{job.public_id}/cancel", data="{}", content_type="application/json")
    body = response.json()
    job.refresh_from_db()
    refund = math.floor(job.price_tokens * (1 - job.keys_tried / job.expected_keys))
    assert response.status_code == 200 and body["status"] == "cancelled" and job.keys_tried > 0
    assert body["refunded_tokens"] == refund and wallet.balance(user) == START - job.price_tokens + refund

    wait_for(lambda: not Chunk.objects.filter(job=job, status="running").exists(), timeout=5, what="chunks to stop")
    heard = [c.heartbeat_at for c in Chunk.objects.filter(job=job).order_by("index")]
    time.sleep(1.0)
    assert [c.heartbeat_at for c in Chunk.objects.filter(job=job).order_by("index")] == heard
    again = api.post(f"/api/jobs/{job.public_id}/cancel", data="{}", content_type="application/json").json()
    assert again["refunded_tokens"] == refund and len(charges(user)) == 2
    assert_ledger_consistent(user)


def test_sigkill_of_one_workers_process_group_mid_job_still_completes_it_with_one_result_and_one_charge(grinders):
    user = FundedUserFactory(tokens=START)
    spec = PatternSpec("Jobs")  # about 283,000 keys: seconds on two workers, more on one
    for _ in range(3):  # a job that happens to finish before the kill proves nothing: take another
        job = create(user, spec.pattern)
        victim = kill_a_mid_chunk(grinders, job)
        killed_at = time.monotonic()
        job.refresh_from_db()
        if victim is not None and job.active:
            break
        grinders.ensure_running()
    else:
        pytest.fail("three jobs finished before a worker could be killed")

    settled(job, timeout=300)
    took = time.monotonic() - killed_at
    assert job.status == "done", job.failure_reason
    assert_exact_match(job, spec)
    assert Job.objects.filter(pk=job.pk, status="done").count() == 1 and Chunk.objects.filter(job=job, status="found").count() == 1
    job_charges = [entry for entry in charges(user) if entry.reference == f"job:{job.public_id}"]
    assert [(e.kind, e.amount) for e in job_charges] == [("job", -job.price_tokens)]
    victim.refresh_from_db()
    if took > JOB_SETTINGS["JOB_HEARTBEAT_STALE_SECONDS"] + 3 * JOB_SETTINGS["JOB_SWEEP_SECONDS"] + 2:
        assert victim.attempts >= 2 or victim.status == "stopped", victim  # re-queued, or retired once the job won
    assert victim.keys_done <= victim.budget
    assert_ledger_consistent(user)


def test_the_sweep_requeues_a_killed_workers_chunk_which_continues_from_its_progress(grinders):
    user = FundedUserFactory(tokens=START)
    job = create(user, HARD)
    victim = kill_a_mid_chunk(grinders, job)
    kept = victim.keys_done

    def taken_over():
        victim.refresh_from_db()
        return victim.attempts == 2 and victim.worker.startswith("jobs-b") and victim.keys_done > kept

    wait_for(taken_over, timeout=30, what="the sweep to hand the chunk to the other worker")
    assert "stopped heart-beating" in victim.last_error
    wait_for(lambda: Chunk.objects.get(pk=victim.pk).status == "done", timeout=60, what="the chunk to finish")
    assert Chunk.objects.get(pk=victim.pk).keys_done == CHUNK_KEYS  # its budget, counted once across both workers
    job.refresh_from_db()
    assert job.active


def test_a_job_whose_chunks_all_fail_is_refunded_in_full(grinders, monkeypatch):
    user = FundedUserFactory(tokens=START)
    held: list[int] = []
    with monkeypatch.context() as patch:
        patch.setattr(services, "enqueue_chunks", lambda ids, countdown=None: held.extend(ids))
        job = create(user, HARD)
    Job.objects.filter(pk=job.pk).update(pattern="O0")  # every worker now fails to compile it: "'O' never appears"
    services.enqueue_chunks(held)

    settled(job, timeout=60)
    assert job.status == "failed" and "attempts" in job.failure_reason
    assert wallet.balance(user) == START
    spend, refund = charges(user)[::-1]
    assert (refund.amount, refund.refunds_id) == (job.price_tokens, spend.pk)
    failed = list(Chunk.objects.filter(job=job, status="failed"))
    assert failed and all(chunk.attempts == JOB_SETTINGS["JOB_CHUNK_MAX_ATTEMPTS"] for chunk in failed)
    assert all("PatternError" in chunk.last_error for chunk in Chunk.objects.filter(job=job, attempts__gt=0))
    assert_ledger_consistent(user)


def test_a_chunk_delivered_twice_counts_its_keys_once(grinders, settings):
    settings.JOB_CHUNKS_IN_FLIGHT = 1
    user = FundedUserFactory(tokens=START)
    job = create(user, HARD)
    chunk = job.chunks.get()
    first = wait_for(lambda: Chunk.objects.filter(pk=chunk.pk, status="running").first(), timeout=30, what="a claim")
    grind_chunk_task.delay(chunk.pk)  # the same message again while the first delivery grinds it
    other = "b" if first.worker.startswith("jobs-a") else "a"
    wait_for(lambda: "'skipped'" in grinders.log_path(other).read_text(), timeout=30, what="the duplicate to be skipped")

    wait_for(lambda: Chunk.objects.get(pk=chunk.pk).status == "done", timeout=60, what="the chunk to finish")
    grind_chunk_task.delay(chunk.pk)  # and once more after it finished
    time.sleep(1.5)
    chunk.refresh_from_db()
    assert (chunk.keys_done, chunk.attempts, chunk.worker) == (CHUNK_KEYS, 1, first.worker)
    api = Client(headers={"Authorization": f"Bearer {account_services.token_issue(user)}"})
    before = json.loads(api.get(f"/api/jobs/{job.public_id}").content)["keys_tried"]
    cancelled = json.loads(api.post(f"/api/jobs/{job.public_id}/cancel", data="{}", content_type="application/json").content)
    assert CHUNK_KEYS <= before <= cancelled["keys_tried"] == Job.objects.get(pk=job.pk).keys_tried
    assert all(c.keys_done <= c.budget for c in Chunk.objects.filter(job=job))
