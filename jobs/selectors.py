"""Reads for guaranteed jobs: the quote (price, figures, feasibility), owner-only lookups,
live progress and the API's view of a job.

Figures (PRODUCT.md §4, §6), from the exact per-key probability p of an exact match:
expected keys 1/p, median and 99th percentile of the geometric distribution, wall time
at the pool's measured rate; price ``ceil(expected_keys / KEYS_PER_TOKEN × JOB_PRICE_MARGIN)``;
P(found by now) = 1 − (1 − p)^keys_tried; expected matches per hour = keys/s × 3600 × p.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from datetime import timedelta
from decimal import ROUND_CEILING, Decimal
from fractions import Fraction
from uuid import UUID

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.db.models import QuerySet, Sum
from django.utils import timezone

from economy import selectors as economy_selectors
from patterns import engine
from patterns import selectors as pattern_selectors
from patterns.engine import PatternSpec
from patterns.engine.pattern import MAX_PART_LENGTH, split_parts
from patterns.exceptions import InvalidPattern
from patterns.presenters import format_duration
from patterns.selectors import (
    found_key_exports,
    found_key_files,
    found_key_result,
    public_ids_named,
    search_for_owner,
)

from .exceptions import GuaranteedNotOffered, JobInfeasible, JobNotDone, JobNotFound
from .models import Chunk, Job

ACTIVE = (Job.Status.QUEUED, Job.Status.RUNNING)
RATE_WINDOW_SECONDS = 5.0  # chunks heard from this recently make up a job's current rate
REGEX_REFUSAL = (
    "Guaranteed mode is not offered for regular expressions: their odds can only be estimated "
    "by sampling, so there is no exact price to charge. Switch the mode to words to buy a guaranteed key."
)


@dataclass(frozen=True)
class JobQuote:
    """What a guaranteed job for ``spec`` costs and how long it should take on the pool."""

    spec: PatternSpec
    pattern_key: str
    p_jackpot: float
    expected_keys: float
    median_keys: int
    p99_keys: int
    price_tokens: int
    pool_keys_per_second: float
    max_p99_seconds: int
    rate_measured: bool = False  # False: no grinding measured yet, the pool's rate is the default figure

    @property
    def expected_seconds(self) -> float:
        return self.expected_keys / self.pool_keys_per_second

    @property
    def median_seconds(self) -> float:
        return self.median_keys / self.pool_keys_per_second

    @property
    def p99_seconds(self) -> float:
        return self.p99_keys / self.pool_keys_per_second

    @property
    def feasible(self) -> bool:
        return self.p99_seconds <= self.max_p99_seconds

    def as_dict(self) -> dict:
        return {
            "pattern": asdict(self.spec),
            "price_tokens": self.price_tokens,
            "p_jackpot": self.p_jackpot,
            "expected_keys": self.expected_keys,
            "median_keys": self.median_keys,
            "p99_keys": self.p99_keys,
            "pool_keys_per_second": self.pool_keys_per_second,
            "rate_measured": self.rate_measured,
            "expected_seconds": self.expected_seconds,
            "median_seconds": self.median_seconds,
            "p99_seconds": self.p99_seconds,
            "max_p99_seconds": self.max_p99_seconds,
            "feasible": self.feasible,
        }


@dataclass(frozen=True)
class Suggestion:
    change: str
    spec: PatternSpec
    p99_seconds: float
    price_tokens: int


@dataclass(frozen=True)
class JobProgress:
    keys_tried: int
    keys_per_second: float
    workers_busy: int
    p_found_by_now: float
    expected_matches_per_hour: float
    cancel_refund_tokens: int


def pattern_key(spec: PatternSpec) -> str:
    """One pattern, whatever its spacing: format, mode, anchor, options and its parts."""
    parts = " ".join(split_parts(spec.pattern))
    return f"{spec.format}|{spec.mode}|{spec.anchor}|ci={int(spec.case_insensitive)}|fuzzy={int(spec.fuzzy)}|{parts}"


def job_price(expected_keys: float) -> int:
    """ceil(expected_keys / KEYS_PER_TOKEN × JOB_PRICE_MARGIN), at least 1 token; decimal
    arithmetic so that 100,000 keys at a margin of 1.2 is 120 tokens, not 121."""
    exact = Decimal(repr(expected_keys)) / Decimal(settings.KEYS_PER_TOKEN) * Decimal(repr(settings.JOB_PRICE_MARGIN))
    return max(1, int(exact.to_integral_value(rounding=ROUND_CEILING)))


def job_quote(spec: PatternSpec, *, check_feasible: bool = True) -> JobQuote:
    """The price and figures of a guaranteed job for ``spec``. InvalidPattern (400/422) for
    a pattern the engine refuses, GuaranteedNotOffered (422) for regex mode, JobInfeasible
    (422, with the numbers and easier patterns) when the 99th-percentile time on the pool is
    past JOB_MAX_P99_SECONDS."""
    if spec.mode == "regex":
        pattern_selectors.compile_or_raise(spec)
        raise GuaranteedNotOffered(REGEX_REFUSAL)
    quote = _quote(spec)
    if check_feasible and not quote.feasible:
        suggestions = suggest_easier(spec, quote)
        raise JobInfeasible(_infeasible_message(quote, suggestions), suggestions=suggestions)
    return quote


def _quote(spec: PatternSpec) -> JobQuote:
    compiled = pattern_selectors.compile_or_raise(spec)
    rate = float(pattern_selectors.pool_keys_per_second())
    odds = engine.estimate(
        compiled, budget=settings.PULL_BUDGET_KEYS, keys_per_second=rate,
        pull_cost_tokens=settings.PULL_COST_TOKENS, dollars_per_token=pattern_selectors.dollars_per_token(),
    )
    guaranteed = odds.guaranteed
    if not guaranteed.offered:  # "impossible" is refused by validation already; defensive
        raise GuaranteedNotOffered("This pattern can never be an exact match, so no guaranteed job can find it.")
    expected = float(guaranteed.expected.keys)
    return JobQuote(
        spec=spec,
        pattern_key=pattern_key(spec),
        p_jackpot=float(odds.p_jackpot),
        expected_keys=expected,
        median_keys=int(guaranteed.median.keys),
        p99_keys=int(guaranteed.p99.keys),
        price_tokens=job_price(expected),
        pool_keys_per_second=rate,
        max_p99_seconds=settings.JOB_MAX_P99_SECONDS,
        rate_measured=bool(cache.get(pattern_selectors.WORKER_RATE_CACHE_KEY)),
    )


def _infeasible_message(quote: JobQuote, suggestions: list[Suggestion]) -> str:
    head = (
        f"Too hard for a guaranteed job: 99% of jobs for this pattern need up to {quote.p99_keys:,} keys, "
        f"{format_duration(quote.p99_seconds)} at our pool's {quote.pool_keys_per_second:,.0f} keys/s, "
        f"past the limit of {format_duration(quote.max_p99_seconds)}."
    )
    if not suggestions:
        return f"{head} Try fewer or shorter parts."
    ideas = " or ".join(f"{s.change} (99% within {format_duration(s.p99_seconds)}, {s.price_tokens:,} tokens)"
                        for s in suggestions)
    return f"{head} Try: {ideas}."


def _candidates(spec: PatternSpec) -> list[tuple[str, PatternSpec]]:
    """Easier variants of ``spec``, the smallest change first."""
    found: list[tuple[str, PatternSpec]] = []
    if not spec.case_insensitive:
        found.append(("turn on case-insensitive", replace(spec, case_insensitive=True)))
    if not spec.fuzzy:
        found.append(("turn on fuzzy", replace(spec, fuzzy=True)))
    if not spec.case_insensitive and not spec.fuzzy:
        found.append(("turn on case-insensitive and fuzzy", replace(spec, case_insensitive=True, fuzzy=True)))
    if spec.anchor != "anywhere":
        found.append(("match it anywhere, not only at the " + ("start" if spec.anchor == "prefix" else "end"),
                      replace(spec, anchor="anywhere")))
    parts = split_parts(spec.pattern)
    longest = max(range(len(parts)), key=lambda i: len(parts[i]))
    for cut in range(1, min(len(parts[longest]), MAX_PART_LENGTH)):
        shorter = parts[longest][:-cut]
        if not shorter:
            break
        variant = parts[:longest] + [shorter] + parts[longest + 1:]
        found.append((f"shorten '{parts[longest]}' to '{shorter}'", replace(spec, pattern=" ".join(variant))))
    if len(parts) > 1:
        found.append((f"drop the part '{parts[-1]}'", replace(spec, pattern=" ".join(parts[:-1]))))
    return found


def suggest_easier(spec: PatternSpec, quote: JobQuote, *, limit: int = 2) -> list[Suggestion]:
    """Up to ``limit`` concrete changes that make the job feasible, smallest change first:
    each option toggle that is enough, then the first shortening of the longest part that is."""
    suggestions: list[Suggestion] = []
    shortened = False
    for change, variant in _candidates(spec):
        if len(suggestions) >= limit:
            break
        is_cut = change.startswith("shorten")
        if is_cut and shortened:
            continue
        try:
            candidate = _quote(variant)
        except (InvalidPattern, GuaranteedNotOffered):
            continue
        if candidate.feasible:
            suggestions.append(Suggestion(change, variant, candidate.p99_seconds, candidate.price_tokens))
            shortened = shortened or is_cut
    return suggestions


def job_for_owner(user: AbstractBaseUser, public_id: UUID | str, *, with_key: bool = False, done: bool = False) -> Job:
    """The user's job by its public id; JobNotFound (404) for a missing job and for another
    user's alike."""
    return search_for_owner(Job.objects, user, public_id, missing=JobNotFound, with_key=with_key, done=done)


def jobs_by_ledger_reference(user: AbstractBaseUser, references: list[str]) -> dict[str, Job]:
    """The user's jobs that ledger references name ("job:<public id>"), by reference."""
    jobs = Job.objects.filter(user=user, public_id__in=public_ids_named(references, "job"))
    return {f"job:{job.public_id}": job for job in jobs}


def job_history(user: AbstractBaseUser) -> QuerySet[Job]:
    return Job.objects.filter(user=user).order_by("-created_at", "-id")


def cancel_refund(job: Job, keys_tried: int) -> int:
    """floor(price × max(0, 1 − keys_tried / expected_keys)): the unspent share of the price."""
    if job.expected_keys <= 0:
        return 0
    share = max(Fraction(0), 1 - Fraction(keys_tried) / Fraction(job.expected_keys))
    return math.floor(job.price_tokens * share)


def p_found_by(p: float, keys: int) -> float:
    """P(at least one exact match in ``keys`` keys) = 1 − (1 − p)^keys."""
    if keys <= 0 or p <= 0:
        return 0.0
    if p >= 1:
        return 1.0
    return float(-math.expm1(keys * math.log1p(-p)))


def chunk_keys_tried(job_id: int) -> int:
    return Chunk.objects.filter(job_id=job_id).aggregate(total=Sum("keys_done"))["total"] or 0


def current_rate(job_id: int, *, now) -> tuple[float, int]:
    """(keys/s, workers busy) of an open job: for each worker heard from in the last
    RATE_WINDOW_SECONDS, the rate of its latest chunk that has measured one (a chunk just
    claimed has not yet; one just finished still tells the rate of its worker, once), and
    the workers holding a running chunk with a fresh heartbeat."""
    recent = now - timedelta(seconds=RATE_WINDOW_SECONDS)
    fresh = now - timedelta(seconds=settings.JOB_HEARTBEAT_STALE_SECONDS)
    latest: dict[str, float] = {}
    busy: set[str] = set()
    chunks = (
        Chunk.objects.filter(job_id=job_id, heartbeat_at__gte=min(recent, fresh))
        .filter(status__in=[Chunk.Status.RUNNING, Chunk.Status.DONE])
        .order_by("heartbeat_at")
        .values_list("worker", "status", "heartbeat_at", "keys_per_second")
    )
    for worker, status, heartbeat, rate in chunks:
        if status == Chunk.Status.RUNNING and heartbeat >= fresh:
            busy.add(worker)
        if heartbeat >= recent and rate > 0:
            latest[worker] = rate  # ordered by heartbeat: the last one wins
    return float(sum(latest.values())), len(busy)


def job_progress(job: Job) -> JobProgress:
    """Keys tried (summed over chunks while the job runs, frozen once it settles), the
    current rate (chunks heard from in the last few seconds), the workers on it, and the
    figures derived from them."""
    now = timezone.now()
    if job.active:
        keys = Chunk.objects.filter(job_id=job.pk).aggregate(keys=Sum("keys_done"))["keys"] or 0
        rate, workers = current_rate(job.pk, now=now)
        refund = cancel_refund(job, keys)
    else:
        keys, workers, refund = job.keys_tried, 0, 0
        seconds = (job.finished_at - job.started_at).total_seconds() if job.started_at and job.finished_at else 0
        rate = keys / seconds if seconds > 0 else 0.0
    return JobProgress(
        keys_tried=keys,
        keys_per_second=rate,
        workers_busy=workers,
        p_found_by_now=p_found_by(job.p_jackpot, keys),
        expected_matches_per_hour=rate * 3600 * job.p_jackpot,
        cancel_refund_tokens=refund,
    )


def refunded_tokens(job: Job) -> int:
    return economy_selectors.refunded_tokens(job.spend_entry_id) if job.spend_entry_id else 0


def job_identity(job: Job) -> dict:
    """What every API answer about a job starts with."""
    return {"id": str(job.public_id), "number": job.number, "status": job.status,
            "pattern": asdict(PatternSpec.from_mapping(job))}


def job_as_dict(job: Job, progress: JobProgress | None = None) -> dict:
    """The API's view of a job (PRODUCT.md §9), with the live figures."""
    progress = progress or job_progress(job)
    return {
        **job_identity(job),
        "price_tokens": job.price_tokens,
        "paid_with": job.paid_with,
        "refunded_tokens": refunded_tokens(job),
        "p_jackpot": job.p_jackpot,
        "expected_keys": job.expected_keys,
        "keys_tried": progress.keys_tried,
        "keys_per_second": progress.keys_per_second,
        "workers_busy": progress.workers_busy,
        "p_found_by_now": progress.p_found_by_now,
        "expected_matches_per_hour": progress.expected_matches_per_hour,
        "cancel_refund_tokens": progress.cancel_refund_tokens if job.active else None,
        "failure_reason": job.failure_reason,
        "result": found_key_result(job),
        "key_available": job.has_key,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
    }


def job_result_for_owner(user: AbstractBaseUser, public_id: UUID | str) -> dict:
    """A done job's pull-style result and every §1 encoding of its private key (None once
    the owner erased it); JobNotDone (409) while it is still searching or if it never found one."""
    job = job_for_owner(user, public_id)
    if job.status != Job.Status.DONE:
        raise JobNotDone(f"This job has no result: it is {job.status}.")
    return {
        **job_identity(job),
        "keys_tried": job.keys_tried,
        "finished_at": job.finished_at,
        "result": found_key_result(job),
        "key_available": job.has_key,
        "private_key": found_key_exports(job) if job.has_key else None,
    }


def key_files_for_owner(user: AbstractBaseUser, public_id: UUID | str) -> dict[str, str | bytes]:
    """The found key as files (filename → content), for the reveal panel and downloads."""
    job = job_for_owner(user, public_id, with_key=True, done=True)
    return found_key_files(job)
