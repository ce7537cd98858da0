"""The hot loop: generate keys from fresh CSPRNG seeds and keep the best match.

Per batch of keys the Python-level work is: one ``os.urandom`` call for all seeds, one
call per key into libsodium through PyNaCl's public ``nacl.bindings`` (``KeySource``,
the one step a compiled core replaces), the format's batch encoder, and one
regular-expression scan over all bodies of the batch (``precheck_regex``:
``compiled.any_part_regex`` in a form ``re`` scans fast; a regex-mode pattern is searched
body by body). Only keys that the scan finds are scored, first cheaply
(``matcher.quick_rank``) and fully (``matcher.evaluate``) only when they could beat the
best so far. Every key comes from its own 32-byte seed; nothing is derived
incrementally.

A regex-mode search that runs past its time limit raises ``userregex.RegexTimeout`` out
of ``grind`` (and of ``pool.grind_parallel``, whose workers report it to the parent), so
a pull fails (and is refunded by its caller) instead of hanging.

Keys that match no part at all are never scored, so among such keys the bonus is not
maximised: the first key of a run stands as the best until a key matching a part
appears.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

from nacl.bindings import crypto_sign_seed_keypair

from .formats import PUBLIC_KEY_LENGTH, Format
from .keys import SEED_LENGTH, public_key_from_seed
from .matcher import MatchResult, evaluate, quick_rank
from .pattern import CompiledPattern
from .userregex import UserRegex

Until = Literal["jackpot"] | int | None
BATCH_SIZE = 1024


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


class KeySource:
    """The grinder's keys: fresh seeds from the OS CSPRNG and their Ed25519 public keys.

    ``generate(count)`` returns the seeds (``count`` × 32 bytes from one ``os.urandom``
    call) and a block of ``count`` slots ``fmt.slot_prefix ‖ public key``, the layout
    that ``Format.batch_bodies`` encodes; ``public_key(block, index)`` reads one key
    back. This is the one step of the loop that a compiled core replaces: anything
    built as ``KeySource(fmt, size)`` with these two methods can stand in for it.
    """

    def __init__(self, fmt: Format, size: int) -> None:
        self.prefix = fmt.slot_prefix
        self.slot = fmt.slot_size
        self.size = size

    def generate(self, count: int) -> tuple[bytes, bytes]:
        """Keys for ``count`` (at most ``size``) fresh seeds: (seeds, slot block)."""
        seeds = os.urandom(SEED_LENGTH * count)
        keypair, prefix = crypto_sign_seed_keypair, self.prefix
        block = b"".join([prefix + keypair(seeds[start:start + SEED_LENGTH])[0]
                          for start in range(0, SEED_LENGTH * count, SEED_LENGTH)])
        return seeds, block

    def public_key(self, block: bytes, index: int) -> bytes:
        start = self.slot * index + len(self.prefix)
        return block[start:start + PUBLIC_KEY_LENGTH]


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

    def scan(self, text: str, seeds: bytes, block: bytes, keys: KeySource) -> None:
        """Score the keys of a batch that the pre-check finds; stop early at the target."""
        hits = _each_hit if self.compiled.regex is not None else _joined_hits
        for index, body in hits(self.precheck, text):
            self.consider(body, index, seeds, block, keys)
            if self.done:
                return

    def consider(self, body: str, index: int, seeds: bytes, block: bytes, keys: KeySource) -> None:
        quick = quick_rank(self.compiled, body)
        if quick < self.best_quick:
            return
        match = evaluate(self.compiled, body)
        if self.best is not None and match.rank <= self.best.rank:
            return
        public_key = keys.public_key(block, index)
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
    keys = KeySource(compiled.format, batch_size)
    started = time.perf_counter()
    next_report = started + progress_every
    tried = 0
    reason = "budget"
    while budget is None or tried < budget:
        count = batch_size if budget is None else min(batch_size, budget - tried)
        seeds, block = keys.generate(count)
        text = compiled.format.batch_bodies(block, count)
        if search.best is None:  # the run's first key stands until a better one appears
            search.consider(text.split("\n", 1)[0], 0, seeds, block, keys)
        if not search.done:
            search.scan(text, seeds, block, keys)
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
