"""The hot loop: generate keys from fresh CSPRNG seeds and keep the best match.

Per batch of keys the Python-level work is: one ``os.urandom`` call for all seeds, one
C call per key into libsodium (through cffi with preallocated buffers and pointers, so
nothing is allocated per key), the format's batch encoder, and one regular-expression
scan over all bodies of the batch (``precheck_regex``: ``compiled.any_part_regex`` in
a form ``re`` scans fast; a regex-mode pattern is searched body by body). Only keys that the
scan finds are scored, first cheaply (``matcher.quick_rank``) and fully
(``matcher.evaluate``) only when they could beat the best so far. Every key comes from
its own 32-byte seed; nothing is derived incrementally.

A regex-mode search that runs past its time limit raises ``userregex.RegexTimeout``
out of ``grind`` and ``grind_parallel`` (whose workers report it to the parent), so a
pull fails (and is refunded by its caller) instead of hanging.

Keys that match no part at all are never scored, so among such keys the bonus is not
maximised: the first key of a run stands as the best until a key matching a part
appears.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import re
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import repeat
from typing import Any, Literal

from nacl._sodium import ffi, lib

from patterns.engine.formats import Format
from patterns.engine.keys import SEED_LENGTH, public_key_from_seed
from patterns.engine.matcher import MatchResult, evaluate, quick_rank
from patterns.engine.pattern import CompiledPattern, PatternSpec, compile_pattern
from patterns.engine.userregex import RegexTimeout, UserRegex

Until = Literal["jackpot"] | int | None
BATCH_SIZE = 1024

_keypair = lib.crypto_sign_seed_keypair


@dataclass(frozen=True)
class Candidate:
    """A key and how it matched."""

    seed: bytes
    public_key: bytes
    address: str
    body: str
    match: MatchResult

    @property
    def rank(self) -> tuple:
        return self.match.rank


@dataclass(frozen=True)
class GrindProgress:
    keys_tried: int
    seconds: float
    best: Candidate | None
    budget: int | None

    @property
    def keys_per_second(self) -> float:
        return self.keys_tried / self.seconds if self.seconds > 0 else 0.0


@dataclass(frozen=True)
class GrindResult:
    """``stopped_reason``: "budget", "target" (``until`` reached), "stopped"
    (``should_stop`` or a stop event) or "interrupted" (KeyboardInterrupt)."""

    best: Candidate | None
    keys_tried: int
    seconds: float
    stopped_reason: str
    workers: int = 1

    @property
    def keys_per_second(self) -> float:
        return self.keys_tried / self.seconds if self.seconds > 0 else 0.0


def candidate_from_seed(compiled: CompiledPattern, seed: bytes) -> Candidate:
    """Rebuild a candidate from its seed alone (the slow, obviously-correct path)."""
    fmt: Format = compiled.format
    public_key = public_key_from_seed(seed)
    address = fmt.address(public_key)
    body = fmt.body(address)
    return Candidate(seed, public_key, address, body, evaluate(compiled, body))


def reaches(match: MatchResult, until: Until) -> bool:
    """Whether ``match`` satisfies the ``until`` target."""
    if until is None:
        return False
    if until == "jackpot":
        return bool(match.jackpot)
    return bool(match.jackpot) or match.score >= until


class _KeyBatch:
    """Preallocated buffers for up to ``size`` keys laid out in the format's slots."""

    def __init__(self, fmt: Format, size: int) -> None:
        self.slot = fmt.slot_size
        self.key_offset = len(fmt.slot_prefix)
        self.size = size
        self.slots = ffi.new("unsigned char[]", self.slot * size)
        ffi.memmove(self.slots, (fmt.slot_prefix + bytes(32)) * size, self.slot * size)
        self.seeds = ffi.new("unsigned char[]", SEED_LENGTH * size)
        self.secret = ffi.new("unsigned char[64]")
        self.key_ptrs = [self.slots + self.slot * i + self.key_offset for i in range(size)]
        self.seed_ptrs = [self.seeds + SEED_LENGTH * i for i in range(size)]
        self.view = ffi.buffer(self.slots)

    def generate(self, count: int) -> tuple[bytes, bytes]:
        """Fill ``count`` slots with keys from fresh seeds; return (seeds, slot bytes)."""
        seeds = os.urandom(SEED_LENGTH * count)
        ffi.memmove(self.seeds, seeds, len(seeds))
        key_ptrs, seed_ptrs = self.key_ptrs, self.seed_ptrs
        if count < self.size:
            key_ptrs, seed_ptrs = key_ptrs[:count], seed_ptrs[:count]
        if any(map(_keypair, key_ptrs, repeat(self.secret), seed_ptrs)):
            raise RuntimeError("libsodium crypto_sign_seed_keypair failed")
        return seeds, self.view[:self.slot * count]

    def public_key(self, block: bytes, index: int) -> bytes:
        start = self.slot * index + self.key_offset
        return block[start:start + 32]


class _Search:
    """The state of one single-process grind."""

    def __init__(self, compiled: CompiledPattern, until: Until) -> None:
        self.compiled = compiled
        self.fmt: Format = compiled.format
        self.until = until
        self.best: Candidate | None = None
        self.best_quick: tuple = (-1, -1)
        self.done = False
        self.precheck = compiled.any_part_regex if compiled.regex is not None else precheck_regex(compiled)

    def scan(self, text: str, seeds: bytes, block: bytes, batch: _KeyBatch) -> None:
        """Score the keys of a batch that the pre-check finds; stop early at the target."""
        hits = _each_hit if self.compiled.regex is not None else _joined_hits
        for index, body in hits(self.precheck, text):
            self.consider(body, index, seeds, block, batch)
            if self.done:
                return

    def consider(self, body: str, index: int, seeds: bytes, block: bytes, batch: _KeyBatch) -> None:
        quick = quick_rank(self.compiled, body)
        if quick < self.best_quick:
            return
        match = evaluate(self.compiled, body)
        if self.best is not None and match.rank <= self.best.rank:
            return
        public_key = batch.public_key(block, index)
        seed = seeds[SEED_LENGTH * index:SEED_LENGTH * (index + 1)]
        self.best = Candidate(seed, public_key, self.fmt.address(public_key), body, match)
        self.best_quick = tuple(match.rank[:2])
        self.done = reaches(match, self.until)


def _char_class(chars: frozenset[str]) -> str:
    if len(chars) == 1:
        return re.escape(next(iter(chars)))
    return "[" + "".join(re.escape(c) for c in sorted(chars)) + "]"


def precheck_regex(compiled: CompiledPattern) -> re.Pattern:
    """``any_part_regex`` of a words pattern, rewritten to start with one character class.

    It matches at exactly the same places, but ``re`` only finds a fast scan (a C loop
    over a character set) when a pattern starts with a literal or a class; an
    alternation whose branches start with classes (case-insensitive or fuzzy parts)
    is tried branch by branch at every position, several times slower per key.
    """
    first = frozenset().union(*(classes[0] for classes in compiled.classes))
    branches = dict.fromkeys(
        f"(?<={_char_class(classes[0])})" + "".join(_char_class(c) for c in classes[1:])
        for classes in compiled.classes
    )
    return re.compile(f"{_char_class(first)}(?:{'|'.join(branches)})")


def _joined_hits(regex: re.Pattern, text: str) -> Iterator[tuple[int, str]]:
    """(index, body) of the bodies of the "\\n"-joined ``text`` in which ``regex`` occurs.

    One scan over the whole batch; after a hit it resumes at the next body, so a match
    straddling two bodies can only cause a needless scoring, never hide a key. Only for
    the words-mode regex, which cannot match a newline or depend on anchors.
    """
    search = regex.search
    pos = index = 0
    while True:
        hit = search(text, pos)
        if hit is None:
            return
        start = hit.start()
        index += text.count("\n", pos, start)
        end = text.find("\n", start)
        if end < 0:
            end = len(text)
        yield index, text[text.rfind("\n", 0, start) + 1:end]
        pos = end + 1
        index += 1


def _each_hit(regex: UserRegex, text: str) -> Iterator[tuple[int, str]]:
    """The same, body by body: a user's regex may use anchors or match a newline."""
    search = regex.search
    for index, body in enumerate(text.split("\n")):
        if search(body):
            yield index, body


def grind(
    compiled: CompiledPattern,
    budget: int | None = None,
    until: Until = None,
    progress: Callable[[GrindProgress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    progress_every: float = 0.5,
    batch_size: int = BATCH_SIZE,
) -> GrindResult:
    """Grind in this process until ``budget`` keys (exactly), ``until`` is reached, or
    ``should_stop()`` returns true (checked once per batch). With neither a budget nor a
    target it runs until stopped. ``progress`` is called at most every
    ``progress_every`` seconds and once at the end.
    """
    if budget is not None and budget < 0:
        raise ValueError("budget must be >= 0")
    search = _Search(compiled, until)
    batch = _KeyBatch(compiled.format, batch_size)
    started = time.perf_counter()
    next_report = started + progress_every
    tried = 0
    reason = "budget"
    while budget is None or tried < budget:
        count = batch_size if budget is None else min(batch_size, budget - tried)
        seeds, block = batch.generate(count)
        text = compiled.format.batch_bodies(block, count)
        if search.best is None:  # the run's first key stands until a better one appears
            search.consider(text.split("\n", 1)[0], 0, seeds, block, batch)
        if not search.done:
            search.scan(text, seeds, block, batch)
        tried += count
        if search.done:
            reason = "target"
            break
        if should_stop is not None and should_stop():
            reason = "stopped"
            break
        if progress is not None and time.perf_counter() >= next_report:
            progress(GrindProgress(tried, time.perf_counter() - started, search.best, budget))
            next_report = time.perf_counter() + progress_every
    seconds = time.perf_counter() - started
    if progress is not None:
        progress(GrindProgress(tried, seconds, search.best, budget))
    return GrindResult(search.best, tried, seconds, reason)


def _split_budget(budget: int | None, workers: int) -> list[int | None]:
    if budget is None:
        return [None] * workers
    share, extra = divmod(budget, workers)
    return [share + (1 if i < extra else 0) for i in range(workers)]


def _worker(compiled: CompiledPattern, budget: int | None, until: Until, stop: Any, messages: Any,
            progress_every: float) -> None:
    """One grinding process: reports (keys tried, best seed) and finally its result.

    SIGINT is ignored here; the parent turns Ctrl-C into the stop event, so every
    worker still reports its best key.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    pid = os.getpid()
    sent: list[bytes | None] = [None]

    def report(state: GrindProgress) -> None:
        seed = state.best.seed if state.best is not None else None
        messages.put(("progress", pid, state.keys_tried, seed if seed != sent[0] else None))
        sent[0] = seed

    try:
        result = grind(compiled, budget, until, report, stop.is_set, progress_every)
    except RegexTimeout as exc:  # the parent raises it again, as grind would
        messages.put(("timeout", pid, str(exc), None))
        return
    except Exception as exc:  # reported to the parent, which raises
        messages.put(("error", pid, f"{type(exc).__name__}: {exc}", None))
        return
    seed = result.best.seed if result.best is not None else None
    messages.put(("done", pid, result.stopped_reason, seed))


class _Pool:
    """The parent's view of the workers: keys tried and the best candidate so far."""

    def __init__(self, compiled: CompiledPattern) -> None:
        self.compiled = compiled
        self.tried: dict[int, int] = {}
        self.finished: dict[int, str] = {}
        self.best: Candidate | None = None

    def offer(self, seed: bytes | None) -> None:
        if seed is None:
            return
        candidate = candidate_from_seed(self.compiled, seed)
        if self.best is None or candidate.rank > self.best.rank:
            self.best = candidate

    def receive(self, message: tuple) -> None:
        kind, pid, value, seed = message
        if kind == "timeout":
            raise RegexTimeout(value)
        if kind == "error":
            raise RuntimeError(f"grinding worker failed: {value}")
        if kind == "progress":
            self.tried[pid] = value
        else:
            self.finished[pid] = value
        self.offer(seed)

    @property
    def keys_tried(self) -> int:
        return sum(self.tried.values())


def max_workers() -> int:
    """The most grinding processes one grind may start: four per core."""
    return 4 * (os.cpu_count() or 1)


def grind_parallel(
    compiled: CompiledPattern,
    workers: int | None = None,
    budget: int | None = None,
    until: Until = None,
    progress: Callable[[GrindProgress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    progress_every: float = 0.5,
) -> GrindResult:
    """Grind on ``workers`` processes (default: one per core), each drawing its own
    seeds from the OS CSPRNG. The budget is split exactly; the first worker to reach
    ``until`` stops the others. Ctrl-C stops all and returns the best so far with
    stopped_reason "interrupted".
    """
    workers = workers or os.cpu_count() or 1
    if not 1 <= workers <= max_workers():
        raise ValueError(f"workers must be between 1 and {max_workers()}")
    context = multiprocessing.get_context()
    stop = context.Event()
    messages = context.Queue()
    processes = [
        context.Process(target=_worker, args=(compiled, share, until, stop, messages, progress_every),
                        daemon=True)
        for share in _split_budget(budget, workers)
    ]
    pool = _Pool(compiled)
    started = time.perf_counter()
    for process in processes:
        process.start()
    reason = None
    try:
        reason = _collect(pool, processes, messages, stop, started, budget, progress, should_stop,
                          progress_every)
    except KeyboardInterrupt:
        stop.set()
        reason = "interrupted"
        _drain(pool, processes, messages)
    finally:
        stop.set()
        for process in processes:
            process.join(timeout=5)
            if process.is_alive():
                process.terminate()
    seconds = time.perf_counter() - started
    if progress is not None:
        progress(GrindProgress(pool.keys_tried, seconds, pool.best, budget))
    return GrindResult(pool.best, pool.keys_tried, seconds, reason, workers)


def _collect(pool: _Pool, processes: list, messages: Any, stop: Any, started: float,
             budget: int | None, progress: Callable[[GrindProgress], None] | None,
             should_stop: Callable[[], bool] | None, progress_every: float) -> str:
    """Read worker messages until every worker is done; return the stop reason."""
    next_report = started + progress_every
    stopped_here = False
    while len(pool.finished) < len(processes):
        try:
            pool.receive(messages.get(timeout=0.05))
        except queue.Empty:
            _check_alive(pool, processes)
        if "target" in pool.finished.values():
            stop.set()
        if should_stop is not None and not stop.is_set() and should_stop():
            stop.set()
            stopped_here = True
        now = time.perf_counter()
        if progress is not None and now >= next_report:
            progress(GrindProgress(pool.keys_tried, now - started, pool.best, budget))
            next_report = now + progress_every
    if "target" in pool.finished.values():
        return "target"
    return "stopped" if stopped_here else "budget"


def _drain(pool: _Pool, processes: list, messages: Any) -> None:
    """After a stop: collect the final report of every worker still running."""
    deadline = time.monotonic() + 10
    while len(pool.finished) < len(processes) and time.monotonic() < deadline:
        try:
            pool.receive(messages.get(timeout=0.05))
        except queue.Empty:
            _check_alive(pool, processes)


def _check_alive(pool: _Pool, processes: list) -> None:
    dead = [p for p in processes if p.exitcode not in (None, 0)]
    if dead:
        raise RuntimeError(f"grinding worker exited with code {dead[0].exitcode}")


BENCH_PATTERN = "vani key"  # case-insensitive, so that it is valid in every format
BASELINE = "nacl.bindings.crypto_sign_seed_keypair over pre-generated seeds (libsodium via PyNaCl), one process"


def bench_pattern(format_name: str) -> CompiledPattern:
    """The compiled pattern ``bench`` grinds for (a typical two-part pull)."""
    return compile_pattern(PatternSpec(BENCH_PATTERN, format_name, case_insensitive=True))


def baseline_rate(seconds: float) -> float:
    """Keys per second of the fastest installed Ed25519 binding called the ordinary way."""
    import nacl.bindings

    seeds = [os.urandom(SEED_LENGTH) for _ in range(4096)]
    keypair = nacl.bindings.crypto_sign_seed_keypair
    done = 0
    started = time.perf_counter()
    deadline = started + seconds
    while time.perf_counter() < deadline:
        for seed in seeds:
            keypair(seed)
        done += len(seeds)
    return done / (time.perf_counter() - started)


def _for(seconds: float) -> Callable[[], bool]:
    deadline = time.perf_counter() + seconds
    return lambda: time.perf_counter() >= deadline


def benchmark(
    compiled: CompiledPattern,
    seconds: float = 3.0,
    workers: int | None = None,
    rounds: int = 3,
    on_stage: Callable[[str], None] | None = None,
) -> dict:
    """Grinding rates against the baseline, measured in this run.

    The baseline and the single-process grinder alternate ``rounds`` times (each round
    gets ``seconds / rounds``) and the best of each is kept, so that load from other
    programs hits both alike; then all cores grind for ``seconds``. ``on_stage`` hears
    what is being measured, for a progress line.
    """
    workers = workers or os.cpu_count() or 1
    share = seconds / rounds
    say = on_stage or (lambda stage: None)
    baseline = one = 0.0
    for round_number in range(1, rounds + 1):
        say(f"round {round_number}/{rounds}: baseline keygen")
        baseline = max(baseline, baseline_rate(share))
        say(f"round {round_number}/{rounds}: grinder, one process")
        one = max(one, grind(compiled, should_stop=_for(share)).keys_per_second)
    say(f"grinder on {workers} processes")
    everyone = grind_parallel(compiled, workers=workers, should_stop=_for(seconds)).keys_per_second
    return {
        "format": compiled.format.name,
        "pattern": compiled.spec.pattern,
        "workers": workers,
        "seconds": seconds,
        "keys_per_s_one_process": round(one),
        "keys_per_s_all_cores": round(everyone),
        "baseline_keys_per_s": round(baseline),
        "baseline": BASELINE,
        "ratio": round(one / baseline, 3),
        "scaling_all_cores": round(everyone / one, 3),
    }
