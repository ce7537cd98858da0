"""The process pool: ``grind_parallel`` runs ``grind`` on one process per core.

Each worker draws its own randomness from the OS CSPRNG and grinds its exact share of
the budget, and reports to the parent over one queue: ``("progress", pid, keys tried,
secret or None)`` while it runs (the secret only when its best key changed), then
exactly one of ``("done", pid, stopped reason, best secret)``, ``("timeout", pid,
message, None)`` (a regex search past its limit: the parent raises ``RegexTimeout``
again) or ``("error", pid, message, None)``. A secret is a key's 32-byte seed, or its
64-byte expanded key in expanded-key mode (onion). Only secrets cross the process
boundary; the parent rebuilds and rescores each offered key from its secret. A stop event set by the parent (a worker reached
``until``, ``should_stop()``, Ctrl-C) ends every worker after its current batch.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import signal
import time
from collections.abc import Callable
from typing import Any

from .grind import Candidate, GrindProgress, GrindResult, KeyMode, Until, candidate_from_secret, grind, resolve_key_mode
from .pattern import CompiledPattern
from .userregex import RegexTimeout


def _split_budget(budget: int | None, workers: int) -> list[int | None]:
    if budget is None:
        return [None] * workers
    share, extra = divmod(budget, workers)
    return [share + (1 if i < extra else 0) for i in range(workers)]


def _worker(compiled: CompiledPattern, budget: int | None, until: Until, stop: Any, messages: Any,
            progress_every: float, key_mode: KeyMode = "seed") -> None:
    """One grinding process: reports (keys tried, best secret) and finally its result.

    SIGINT is ignored here; the parent turns Ctrl-C into the stop event, so every
    worker still reports its best key.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    pid = os.getpid()
    sent: list[bytes | None] = [None]

    def report(state: GrindProgress) -> None:
        secret = state.best.secret if state.best is not None else None
        messages.put(("progress", pid, state.keys_tried, secret if secret != sent[0] else None))
        sent[0] = secret

    try:
        result = grind(compiled, budget, until, report, stop.is_set, progress_every, key_mode=key_mode)
    except RegexTimeout as exc:  # the parent raises it again, as grind would
        messages.put(("timeout", pid, str(exc), None))
        return
    except Exception as exc:  # reported to the parent, which raises
        messages.put(("error", pid, f"{type(exc).__name__}: {exc}", None))
        return
    secret = result.best.secret if result.best is not None else None
    messages.put(("done", pid, result.stopped_reason, secret))


class _Pool:
    """The parent's view of the workers: keys tried and the best candidate so far."""

    def __init__(self, compiled: CompiledPattern) -> None:
        self.compiled = compiled
        self.tried: dict[int, int] = {}
        self.finished: dict[int, str] = {}
        self.best: Candidate | None = None

    def offer(self, secret: bytes | None) -> None:
        if secret is None:
            return
        candidate = candidate_from_secret(self.compiled, secret)
        if self.best is None or candidate.rank > self.best.rank:
            self.best = candidate

    def receive(self, message: tuple) -> None:
        kind, pid, value, secret = message
        if kind == "timeout":
            raise RegexTimeout(value)
        if kind == "error":
            raise RuntimeError(f"grinding worker failed: {value}")
        if kind == "progress":
            self.tried[pid] = value
        else:
            self.finished[pid] = value
        self.offer(secret)

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
    key_mode: KeyMode = None,
) -> GrindResult:
    """Grind on ``workers`` processes (default: one per core), each drawing its own
    randomness from the OS CSPRNG. The budget is split exactly; the first worker to
    reach ``until`` stops the others. Ctrl-C stops all and returns the best so far with
    stopped_reason "interrupted". ``key_mode`` as for ``grind`` (resolved here, once).
    """
    workers = workers or os.cpu_count() or 1
    if not 1 <= workers <= max_workers():
        raise ValueError(f"workers must be between 1 and {max_workers()}")
    key_mode = resolve_key_mode(compiled, key_mode)
    context = multiprocessing.get_context()
    stop = context.Event()
    messages = context.Queue()
    processes = [
        context.Process(target=_worker, args=(compiled, share, until, stop, messages, progress_every, key_mode),
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
