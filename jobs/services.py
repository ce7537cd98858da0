"""Writes for guaranteed jobs: create (pay + job + chunks, one transaction), grind chunks,
find, cancel, fail, the beat sweep, and the spark conversion.

How a job stays correct with any number of workers, at least once:

* A chunk is claimed by one delivery at a time (``chunk_claim``: one conditional update
  that gives it a fresh ``lease``). A second delivery of the same message while the first
  is alive finds the chunk running with a fresh heartbeat and does nothing; once the
  heartbeat is stale (the worker died), a delivery or the beat sweep takes it over and
  grinds only what is left of its budget.
* Progress is written by the lease holder only (``keys_done = keys at claim + keys of
  this delivery``), so no delivery counts keys twice, and a delivery that lost its lease
  stops at its next check.
* The stop flag is the job row: every chunk checks, at most every JOB_STOP_CHECK_SECONDS
  from inside the grind loop, that its lease holds and its job is still queued or running.
* The first exact match wins through one conditional update (``job_found``: status still
  queued/running → done); a later match, or one after a cancel, changes nothing.
* Money moves only through ``economy.services`` inside the transaction that changes the
  job: the debit with the job, refunds linked to the job's spend entry (so spending
  limits see them): the unspent share on cancel (share "cancel"), everything left when
  the job fails.
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, F, Max, Q
from django.urls import reverse
from django.utils import timezone

from economy import services as economy
from economy.exceptions import AlreadyRefunded
from patterns import selectors as pattern_selectors
from patterns import services as pattern_services
from patterns.engine import PatternSpec, compile_pattern, grind
from patterns.engine.grind import Candidate, candidate_from_seed
from patterns.engine.pattern import split_parts

from . import selectors, spark
from .exceptions import JobSettled, PriceChanged, SparkNotFull
from .models import Chunk, Job

log = logging.getLogger(__name__)

ACTIVE = selectors.ACTIVE
OPEN_CHUNKS = (Chunk.Status.QUEUED, Chunk.Status.RUNNING)
BATCH = 1024  # the grinder's batch: chunk budgets are whole batches
RATE_SAMPLE_MIN_SECONDS = 1.0  # a chunk shorter than this says little about the pool's rate


@dataclass(frozen=True)
class ChunkLease:
    """One delivery's hold on a chunk: what it may write and from where it counts."""

    chunk_id: int
    job_id: int
    lease: str
    base_keys: int
    budget: int
    attempt: int


class CandidateMismatch(RuntimeError):
    """The grinder reported a match that its seed does not reproduce (a bug, never a result)."""


# --- creating a job -----------------------------------------------------------------------


def job_create(user: AbstractBaseUser, *, spec: PatternSpec, price_tokens: int | None = None) -> Job:
    """Quote the pattern, pay the price and create the job with its first chunks, in one
    transaction; the chunk tasks are queued once it commits.

    Every refusal changes nothing: InvalidPattern (400/422), GuaranteedNotOffered and
    JobInfeasible (422), InsufficientTokens and SpendingLimitExceeded (402), and
    PriceChanged (409) when ``price_tokens`` (the price the user confirmed) is not the
    price now.
    """
    quote = selectors.job_quote(spec)
    if price_tokens is not None and price_tokens != quote.price_tokens:
        raise PriceChanged(
            f"The price of this job is now {quote.price_tokens:,} tokens, not the {price_tokens:,} you confirmed; "
            "nothing was charged. Confirm the new price to go ahead."
        )
    with transaction.atomic():
        economy.wallet_lock(user.pk)
        job = _new_job(user, quote, paid_with=Job.PaidWith.TOKENS)
        entry = economy.wallet_pay_job(
            user, amount=quote.price_tokens, reference=job_reference(job), reason=f"Guaranteed job #{job.number}"
        )
        _start(job, entry)
    return job


def job_create_from_spark(user: AbstractBaseUser, *, spec: PatternSpec) -> Job:
    """Turn a full spark meter into a guaranteed job at no further cost: a ``job`` entry of
    0 tokens (the pull tokens already spent are the payment), written once.

    The user's wallet lock serialises conversions: a second click waits for the first to
    commit, then finds the meter used up (SparkNotFull, 409) and changes nothing; the
    conversion's idempotency key (and the job's unique ``spark_key``) make a double write
    impossible even so.
    """
    quote = selectors.job_quote(spec)
    with transaction.atomic():
        economy.wallet_lock(user.pk)
        meter = spark.spark_meter(user, spec, key=quote.pattern_key, price_tokens=quote.price_tokens)
        if not meter.full:
            raise SparkNotFull(
                f"The spark meter of this pattern holds {meter.filled:,} of the {quote.price_tokens:,} tokens a "
                "guaranteed job costs; keep pulling it, or buy the job."
            )
        digest = hashlib.sha256(quote.pattern_key.encode()).hexdigest()[:32]
        spark_key = f"spark:{user.pk}:{digest}:{spark.spark_conversions(user, quote.pattern_key) + 1}"
        job = _new_job(
            user, quote, paid_with=Job.PaidWith.SPARK, spark_key=spark_key, spark_tokens=quote.price_tokens
        )
        entry = economy.wallet_pay_job(
            user, amount=0, reference=job_reference(job), idempotency_key=spark_key,
            reason=f"Guaranteed job #{job.number}, paid by the spark meter ({quote.price_tokens:,} tokens of pulls)",
        )
        if entry.reference != job_reference(job):  # another conversion wrote this key first
            raise SparkNotFull("This spark meter has already been turned into a guaranteed job.")
        _start(job, entry)
    return job


def job_reference(job: Job) -> str:
    """What the job's ledger entries name it by: its public id, never the global counter."""
    return f"job:{job.public_id}"


def _new_job(user: AbstractBaseUser, quote: selectors.JobQuote, **fields) -> Job:
    """The job row, numbered for its user: the caller holds the user's wallet lock, which
    serialises their job numbers as it does their pull numbers."""
    return Job.objects.create(
        user=user,
        number=pattern_selectors.next_number(Job.objects, user),
        **asdict(quote.spec),
        pattern_key=quote.pattern_key,
        p_jackpot=quote.p_jackpot,
        expected_keys=quote.expected_keys,
        price_tokens=quote.price_tokens,
        n=len(split_parts(quote.spec.pattern)),
        **fields,
    )


def _start(job: Job, entry) -> None:
    job.spend_entry = entry
    job.save(update_fields=["spend_entry"])
    chunks = _add_chunks(job, settings.JOB_CHUNKS_IN_FLIGHT)
    _enqueue_on_commit([chunk.pk for chunk in chunks])


def chunk_budget() -> int:
    """Keys per chunk: JOB_CHUNK_SECONDS at one worker's measured rate, within
    JOB_CHUNK_MIN_KEYS … JOB_CHUNK_MAX_KEYS, in whole grinder batches."""
    keys = int(pattern_selectors.worker_keys_per_second() * settings.JOB_CHUNK_SECONDS)
    keys = min(max(keys, settings.JOB_CHUNK_MIN_KEYS), settings.JOB_CHUNK_MAX_KEYS)
    return max(BATCH, keys // BATCH * BATCH) if keys >= BATCH else keys


def _add_chunks(job: Job, count: int) -> list[Chunk]:
    """``count`` new chunks at the end of the job's list (call holding the job's row lock or
    in the transaction that created it)."""
    last = Chunk.objects.filter(job=job).aggregate(last=Max("index"))["last"]
    first = 0 if last is None else last + 1
    budget, now = chunk_budget(), timezone.now()
    return [Chunk.objects.create(job=job, index=first + i, budget=budget, enqueued_at=now) for i in range(count)]


def _enqueue_on_commit(chunk_ids: list[int], *, countdown: float | None = None) -> None:
    if chunk_ids:
        transaction.on_commit(lambda: enqueue_chunks(chunk_ids, countdown=countdown))


def enqueue_chunks(chunk_ids: list[int], *, countdown: float | None = None) -> None:
    """Send one grinding task per chunk. A broker that refuses is logged, not raised: the
    chunks stay queued in the database and the beat sweep sends them again."""
    from .tasks import grind_chunk_task

    for chunk_id in chunk_ids:
        try:
            grind_chunk_task.apply_async((chunk_id,), countdown=countdown)
        except Exception:
            log.exception("chunk %s: could not be sent to the broker; the sweep will resend it", chunk_id)


# --- grinding a chunk ---------------------------------------------------------------------


def chunk_claim(chunk_id: int, *, worker: str) -> ChunkLease | None:
    """Take a chunk for this delivery: queued, or running under a worker whose heartbeat
    stopped. None when another delivery holds it, it is finished, or its job has settled.
    A chunk claimed more than JOB_CHUNK_MAX_ATTEMPTS times fails its job (refunded)."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.JOB_HEARTBEAT_STALE_SECONDS)
    lease = uuid.uuid4().hex
    claimable = Q(status=Chunk.Status.QUEUED) | Q(status=Chunk.Status.RUNNING, heartbeat_at__lt=stale)
    claimed = Chunk.objects.filter(claimable, pk=chunk_id, job__status__in=ACTIVE).update(
        status=Chunk.Status.RUNNING, lease=lease, attempts=F("attempts") + 1, worker=worker[:200],
        claimed_at=now, heartbeat_at=now, keys_per_second=0.0,
    )
    if not claimed:
        return None
    chunk = Chunk.objects.get(pk=chunk_id)
    if chunk.attempts > settings.JOB_CHUNK_MAX_ATTEMPTS:
        Chunk.objects.filter(pk=chunk_id, lease=lease).update(status=Chunk.Status.FAILED, finished_at=now)
        job_fail(chunk.job_id, reason=_gave_up_reason(chunk.attempts - 1))
        return None
    Job.objects.filter(pk=chunk.job_id, status=Job.Status.QUEUED).update(status=Job.Status.RUNNING, started_at=now)
    return ChunkLease(chunk.pk, chunk.job_id, lease, chunk.keys_done, chunk.budget, chunk.attempts)


def chunk_heartbeat(lease: ChunkLease, *, keys: int, rate: float) -> bool:
    """Record this delivery's progress; False (stop grinding) once the lease is lost or
    the job has settled (found elsewhere, cancelled, failed)."""
    return bool(
        Chunk.objects.filter(
            pk=lease.chunk_id, lease=lease.lease, status=Chunk.Status.RUNNING, job__status__in=ACTIVE
        ).update(keys_done=lease.base_keys + keys, heartbeat_at=timezone.now(), keys_per_second=rate)
    )


class _StopFlag:
    """The grinder's ``progress`` and ``should_stop``: progress is remembered, and at most
    every JOB_STOP_CHECK_SECONDS ``should_stop`` writes it (the heartbeat) and reads the
    shared stop flag (the lease and the job's status) in one conditional update."""

    def __init__(self, lease: ChunkLease) -> None:
        self.lease = lease
        self.keys, self.rate = 0, 0.0
        self.every = settings.JOB_STOP_CHECK_SECONDS
        self.next_check = time.monotonic() + self.every
        self.stop = False

    def progress(self, progress) -> None:
        self.keys, self.rate = progress.keys_tried, progress.keys_per_second

    def should_stop(self) -> bool:
        now = time.monotonic()
        if not self.stop and now >= self.next_check:
            self.next_check = now + self.every
            self.stop = not chunk_heartbeat(self.lease, keys=self.keys, rate=self.rate)
        return self.stop


def chunk_grind(lease: ChunkLease) -> str:
    """Grind what is left of the chunk's budget until an exact match; "found", "done"
    (budget ground, next chunk queued), "stopped" (the job settled or the lease was lost)."""
    job = Job.objects.get(pk=lease.job_id)
    compiled = compile_pattern(PatternSpec.from_mapping(job), check_speed=False)
    flag = _StopFlag(lease)
    outcome = grind(
        compiled,
        budget=max(0, lease.budget - lease.base_keys),
        until="jackpot",
        progress=flag.progress,
        should_stop=flag.should_stop,
        progress_every=settings.JOB_STOP_CHECK_SECONDS,
    )
    keys, rate = outcome.keys_tried, outcome.keys_per_second
    best = outcome.best
    if outcome.seconds >= RATE_SAMPLE_MIN_SECONDS:
        pattern_services.grinding_rate_record(rate)
    if best is not None and best.match.jackpot:
        candidate = _verified(compiled, best)
        return "found" if job_found(lease, candidate=candidate, keys=keys, rate=rate) else "stopped"
    if outcome.stopped_reason == "stopped":
        chunk_stop(lease, keys=keys, rate=rate)
        return "stopped"
    chunk_finish(lease, keys=keys, rate=rate)
    return "done"


def _verified(compiled, best: Candidate) -> Candidate:
    """The match rebuilt from its seed alone (key derivation, address, matcher): only a
    key that really is an exact match can complete a job."""
    rebuilt = candidate_from_seed(compiled, best.seed)
    if not rebuilt.match.jackpot or rebuilt.address != best.address:
        raise CandidateMismatch(f"the grinder's match {best.address} is not reproduced by its seed")
    return rebuilt


def chunk_finish(lease: ChunkLease, *, keys: int, rate: float) -> None:
    """The chunk ground its whole budget without a match: record it and, while the job is
    still open, queue the next chunk (one in, one out: the job keeps its chunks in flight)."""
    now = timezone.now()
    with transaction.atomic():
        finished = Chunk.objects.filter(pk=lease.chunk_id, lease=lease.lease, status=Chunk.Status.RUNNING).update(
            status=Chunk.Status.DONE, keys_done=lease.base_keys + keys, keys_per_second=rate,
            heartbeat_at=now, finished_at=now,
        )
        if not finished:
            return
        job = Job.objects.select_for_update().filter(pk=lease.job_id, status__in=ACTIVE).first()
        if job is not None:
            _enqueue_on_commit([chunk.pk for chunk in _add_chunks(job, 1)])


def chunk_stop(lease: ChunkLease, *, keys: int, rate: float) -> None:
    """The grinder stopped on the flag: keep the keys this delivery ground (if it still
    holds the chunk) and mark the chunk stopped."""
    now = timezone.now()
    Chunk.objects.filter(pk=lease.chunk_id, lease=lease.lease, status=Chunk.Status.RUNNING).update(
        status=Chunk.Status.STOPPED, keys_done=lease.base_keys + keys, keys_per_second=rate,
        heartbeat_at=now, finished_at=now,
    )


def chunk_fail(lease: ChunkLease, *, reason: str) -> None:
    """A delivery failed (an error, its time limit): the chunk keeps the keys it recorded and
    is queued again after a short back-off, until JOB_CHUNK_MAX_ATTEMPTS; then the job fails
    and is refunded in full."""
    now = timezone.now()
    with transaction.atomic():
        released = Chunk.objects.filter(pk=lease.chunk_id, lease=lease.lease, status=Chunk.Status.RUNNING).update(
            status=Chunk.Status.QUEUED, lease="", last_error=reason[:300], enqueued_at=now
        )
        if not released:
            return
        if lease.attempt >= settings.JOB_CHUNK_MAX_ATTEMPTS:
            Chunk.objects.filter(pk=lease.chunk_id).update(status=Chunk.Status.FAILED, finished_at=now)
            job_fail(lease.job_id, reason=_gave_up_reason(lease.attempt))
            return
        if Job.objects.filter(pk=lease.job_id, status__in=ACTIVE).exists():
            _enqueue_on_commit([lease.chunk_id], countdown=settings.JOB_CHUNK_RETRY_SECONDS * lease.attempt)


def _gave_up_reason(attempts: int) -> str:
    return f"Grinding failed on our side ({attempts} attempts at one chunk)."


# --- settling a job -----------------------------------------------------------------------


def job_found(lease: ChunkLease, *, candidate: Candidate, keys: int, rate: float) -> bool:
    """The first exact match completes the job, through one conditional update; True when
    this one won. A match after the job settled (found by another chunk, cancelled) is dropped."""
    now = timezone.now()
    with transaction.atomic():
        won = Job.objects.filter(pk=lease.job_id, status__in=ACTIVE).update(
            status=Job.Status.DONE, finished_at=now, found_chunk_id=lease.chunk_id,
            **pattern_selectors.found_key_fields(candidate),
        )
        Chunk.objects.filter(pk=lease.chunk_id, lease=lease.lease).update(
            status=Chunk.Status.FOUND if won else Chunk.Status.STOPPED, keys_done=lease.base_keys + keys,
            keys_per_second=rate, heartbeat_at=now, finished_at=now,
        )
        if won:
            _settle(lease.job_id)
            transaction.on_commit(lambda: job_notify(lease.job_id))
    return bool(won)


def _settle(job_id: int, *, keys: int | None = None) -> None:
    """Freeze the job's keys (``keys``: the count a refund was computed from) and retire its
    queued chunks (their messages then do nothing)."""
    Job.objects.filter(pk=job_id).update(keys_tried=selectors.chunk_keys_tried(job_id) if keys is None else keys)
    Chunk.objects.filter(job_id=job_id, status=Chunk.Status.QUEUED).update(
        status=Chunk.Status.STOPPED, finished_at=timezone.now()
    )


def job_cancel(user: AbstractBaseUser, *, public_id: UUID | str) -> Job:
    """Cancel the user's job: refund ``floor(price × max(0, 1 − keys_tried / expected_keys))``
    (a spark job's share goes back to its meter) and stop its chunks. A second cancel
    returns the job unchanged; a job already done or failed is JobSettled (409)."""
    job_id = selectors.job_for_owner(user, public_id).pk
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_id)
        if job.status == Job.Status.CANCELLED:
            return job
        if not job.active:
            raise _settled(job)
        keys = selectors.chunk_keys_tried(job.pk)
        refund = selectors.cancel_refund(job, keys)
        job.status, job.finished_at, job.keys_tried = Job.Status.CANCELLED, timezone.now(), keys
        if job.paid_with == Job.PaidWith.SPARK:
            job.spark_tokens = job.price_tokens - refund
            _refund_once(job, share="cancel", reason=f"Cancelled guaranteed job #{job.number}: "
                                                     f"{refund:,} tokens back to the spark meter")
        elif refund > 0:
            _refund_once(job, share="cancel", tokens=refund,
                         reason=f"Cancelled guaranteed job #{job.number}: the unspent share of its price")
        job.save(update_fields=["status", "finished_at", "keys_tried", "spark_tokens"])
        _settle(job.pk, keys=keys)
    return job


def _settled(job: Job) -> JobSettled:
    return JobSettled(f"This job is already {job.status}; there is nothing to cancel.")


def job_fail(job_id: int, *, reason: str) -> Job:
    """Fail an open job and refund everything left of its price (a spark job: its meter)."""
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_id)
        if not job.active:
            return job
        job.status, job.failure_reason, job.finished_at = Job.Status.FAILED, reason[:300], timezone.now()
        job.keys_tried = selectors.chunk_keys_tried(job.pk)
        if job.paid_with == Job.PaidWith.SPARK:
            job.spark_tokens = 0
        _refund_once(job, reason=f"Automatic refund of guaranteed job #{job.number}: {reason}"[:500])
        job.save(update_fields=["status", "failure_reason", "finished_at", "keys_tried", "spark_tokens"])
        _settle(job.pk, keys=job.keys_tried)
    return job


def _refund_once(job: Job, *, reason: str, share: str | None = None, tokens: int | None = None) -> None:
    try:
        economy.spend_refund(job.spend_entry_id, reason=reason, reference=job_reference(job), share=share, tokens=tokens)
    except AlreadyRefunded:
        log.info("job %s: its spend was already refunded in full", job.pk)


def job_refund_by_staff(job_id: int, *, reason: str, created_by: AbstractBaseUser | None) -> Job:
    """Staff give back what is left of a job's price (a spark job: its meter), whatever its
    status; the job itself is not changed. AlreadyRefunded (409) when nothing is left."""
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_id)
        entry = economy.entry_refund(job.spend_entry, reason=reason, created_by=created_by)
        if job.paid_with == Job.PaidWith.SPARK and entry is not None:
            job.spark_tokens = 0
            job.save(update_fields=["spark_tokens"])
    return job


def job_erase_key(user: AbstractBaseUser, *, public_id: UUID | str) -> Job:
    job = selectors.job_for_owner(user, public_id, with_key=True)
    now = timezone.now()
    Job.objects.filter(pk=job.pk).update(encrypted_seed=None, key_kept=False, key_erased_at=now)
    job.encrypted_seed, job.key_kept, job.key_erased_at = None, False, now
    return job


def job_notify(job_id: int) -> bool:
    """E-mail the owner that their key is ready (once; no key in the mail). A failure to
    send is logged and left for the sweep to try again."""
    claimed = Job.objects.filter(pk=job_id, status=Job.Status.DONE, notified_at__isnull=True).update(
        notified_at=timezone.now()
    )
    if not claimed:
        return False
    job = Job.objects.select_related("user").get(pk=job_id)
    if not job.user.email:
        return True
    url = settings.SITE_URL.rstrip("/") + reverse("job_page", args=[job.public_id])
    try:
        send_mail(
            subject=f"Your guaranteed key for “{job.pattern}” is ready",
            message=(
                f"Hello {job.user.username},\n\nYour guaranteed job #{job.number} found an exact match after "
                f"{job.keys_tried:,} keys:\n\n    {job.address}\n\nThe private key is kept for you. Reveal or "
                f"download it, in every encoding, here:\n\n    {url}\n\n— VaniKeys\n"
            ),
            from_email=None,
            recipient_list=[job.user.email],
        )
    except Exception:
        log.exception("job %s: the result e-mail could not be sent; the sweep will try again", job_id)
        Job.objects.filter(pk=job_id).update(notified_at=None)
        return False
    return True


# --- the beat sweep -----------------------------------------------------------------------


def jobs_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """What keeps jobs moving when workers die or messages are lost (beat, every
    JOB_SWEEP_SECONDS): chunks whose worker stopped heart-beating are queued again (or fail
    their job after JOB_CHUNK_MAX_ATTEMPTS), queued chunks whose message may be lost are
    sent again, open jobs short of chunks get new ones, and results not yet e-mailed are."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.JOB_HEARTBEAT_STALE_SECONDS)
    report = {"requeued": 0, "failed": 0, "stopped": 0, "resent": 0, "added": 0, "notified": 0}
    for chunk_id in Chunk.objects.filter(status=Chunk.Status.RUNNING, heartbeat_at__lt=stale).values_list("pk", flat=True):
        outcome = _requeue_stale(chunk_id, stale=stale, now=now)
        if outcome:
            report[outcome] += 1
    lost = now - timedelta(seconds=settings.JOB_QUEUED_RESEND_SECONDS)
    resend = list(
        Chunk.objects.filter(status=Chunk.Status.QUEUED, enqueued_at__lt=lost, job__status__in=ACTIVE).values_list("pk", flat=True)
    )
    if resend:
        Chunk.objects.filter(pk__in=resend, status=Chunk.Status.QUEUED).update(enqueued_at=now)
        enqueue_chunks(resend)
        report["resent"] = len(resend)
    short = (
        Job.objects.filter(status__in=ACTIVE)
        .annotate(open=Count("chunks", filter=Q(chunks__status__in=OPEN_CHUNKS)))
        .filter(open__lt=settings.JOB_CHUNKS_IN_FLIGHT)
        .values_list("pk", flat=True)
    )
    for job_id in short:
        report["added"] += _top_up(job_id)
    recent = now - timedelta(days=1)
    for job_id in Job.objects.filter(status=Job.Status.DONE, notified_at__isnull=True, finished_at__gte=recent).values_list("pk", flat=True):
        report["notified"] += job_notify(job_id)
    return report


def _requeue_stale(chunk_id: int, *, stale: datetime, now: datetime) -> str | None:
    with transaction.atomic():
        chunk = Chunk.objects.select_for_update().filter(
            pk=chunk_id, status=Chunk.Status.RUNNING, heartbeat_at__lt=stale
        ).first()
        if chunk is None:
            return None
        if not Job.objects.filter(pk=chunk.job_id, status__in=ACTIVE).exists():
            chunk.status, chunk.finished_at = Chunk.Status.STOPPED, now
            chunk.save(update_fields=["status", "finished_at"])
            return "stopped"
        if chunk.attempts >= settings.JOB_CHUNK_MAX_ATTEMPTS:
            chunk.status, chunk.finished_at = Chunk.Status.FAILED, now
            chunk.last_error = f"worker {chunk.worker} stopped heart-beating"[:300]
            chunk.save(update_fields=["status", "finished_at", "last_error"])
            job_fail(chunk.job_id, reason=_gave_up_reason(chunk.attempts))
            return "failed"
        chunk.status, chunk.lease, chunk.enqueued_at = Chunk.Status.QUEUED, "", now
        chunk.last_error = f"worker {chunk.worker} stopped heart-beating; queued again"[:300]
        chunk.save(update_fields=["status", "lease", "enqueued_at", "last_error"])
        _enqueue_on_commit([chunk.pk])
        return "requeued"


def _top_up(job_id: int) -> int:
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id, status__in=ACTIVE).first()
        if job is None:
            return 0
        missing = settings.JOB_CHUNKS_IN_FLIGHT - job.chunks.filter(status__in=OPEN_CHUNKS).count()
        if missing <= 0:
            return 0
        _enqueue_on_commit([chunk.pk for chunk in _add_chunks(job, missing)])
        return missing
