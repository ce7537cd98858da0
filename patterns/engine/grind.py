"""The hot loop: generate keys and keep the best match.

A *key source* makes each batch of keys and offers the ones that pass the pre-check to
the search (``run``), then hands back the secret and public key of any it is asked for
(``key``). ``key_source`` picks one:

* the native core (``native/``, when built): ``NativeSeedSource`` for seed mode, where
  one ``os.urandom`` call gives the batch's seeds and one C call derives, encodes and
  pre-checks them all, and ``NativeExpandedSource`` for onion keys in expanded-key mode
  (the default for onion there): one clamped scalar ``a`` from ``os.urandom`` per batch
  and the candidates ``(a + 8 i) B``;
* otherwise ``KeySource``: one ``os.urandom`` call for all seeds, one call per key into
  libsodium through PyNaCl's ``nacl.bindings``, the format's batch encoder and one
  regular-expression scan over all bodies (``precheck_regex``: ``compiled.any_part_regex``
  in a form ``re`` scans fast; a regex-mode pattern is searched body by body).

Either way only keys holding a part are scored, first cheaply (``matcher.quick_rank``)
and fully (``matcher.evaluate``) only when they could beat the best so far; the native
pre-check also leaves out keys holding fewer parts than the best so far, which could
not beat it. In seed mode every key comes from its own 32-byte seed; in expanded mode
each key's secret is its own scalar ``a + 8 i`` with a fresh 32-byte prefix, so nothing
secret is shared between two keys a user could get.

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

from . import native
from .formats import PUBLIC_KEY_LENGTH, Format
from .keys import KEY_MODES, SEED_LENGTH, public_key_from_secret
from .matcher import MatchResult, evaluate, quick_rank
from .pattern import CompiledPattern
from .userregex import UserRegex

Until = Literal["jackpot"] | int | None
KeyMode = Literal["seed", "expanded"] | None
BATCH_SIZE = 1024
EXPANDED_BATCH_FACTOR = 16  # expanded mode: candidates per batch = 16 × batch_size


@dataclass(frozen=True)
class Candidate:
    """A key and how it matched. ``secret`` is the 32-byte seed, or for an onion key
    found in expanded-key mode the 64-byte expanded key (clamped scalar ‖ prefix)."""

    secret: bytes
    public_key: bytes
    address: str
    body: str
    match: MatchResult

    @property
    def rank(self) -> tuple:
        return self.match.rank

    @property
    def seed(self) -> bytes:
        """The secret under its older name (a seed unless ``expanded``)."""
        return self.secret

    @property
    def expanded(self) -> bool:
        return len(self.secret) != SEED_LENGTH


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


def candidate_from_secret(compiled: CompiledPattern, secret: bytes) -> Candidate:
    """Rebuild a candidate from its seed or expanded key alone (the slow,
    obviously-correct path)."""
    fmt: Format = compiled.format
    public_key = public_key_from_secret(secret)
    address = fmt.address(public_key)
    body = fmt.body(address)
    return Candidate(bytes(secret), public_key, address, body, evaluate(compiled, body))


candidate_from_seed = candidate_from_secret


def resolve_key_mode(compiled: CompiledPattern, key_mode: KeyMode = None) -> str:
    """The key mode a grind uses: ``None`` is the format's default, expanded-key mode for
    onion where the native core runs, else seed mode. Expanded-key mode is for onion
    keys only and needs the native core."""
    onion = compiled.format.name == "onion"
    if key_mode is None:
        return "expanded" if onion and native.available() else "seed"
    if key_mode not in KEY_MODES:
        raise ValueError(f"key_mode must be one of {', '.join(KEY_MODES)} (or None), not {key_mode!r}")
    if key_mode == "expanded" and not onion:
        raise ValueError("expanded-key mode makes onion keys only; use seed mode for other formats")
    if key_mode == "expanded" and not native.available():
        raise ValueError(f"expanded-key mode needs the native core, and this process runs {native.status()}")
    return key_mode


def reaches(match: MatchResult, until: Until) -> bool:
    """Whether ``match`` satisfies the ``until`` target."""
    if until is None:
        return False
    if until == "jackpot":
        return bool(match.jackpot)
    return bool(match.jackpot) or match.score >= until


class KeySource:
    """The pure-Python key source: fresh seeds from the OS CSPRNG and their Ed25519
    public keys through libsodium.

    ``generate(count)`` returns the seeds (``count`` × 32 bytes from one ``os.urandom``
    call) and a block of ``count`` slots ``fmt.slot_prefix ‖ public key``, the layout
    that ``Format.batch_bodies`` encodes; ``public_key(block, index)`` reads one key
    back. Like every key source it has ``size`` (keys per batch), ``run(count, search)``
    (make a batch and offer the pre-checked keys to ``search.consider(body, ref, self)``)
    and ``key(ref)`` (the secret and public key of an offered key).
    """

    def __init__(self, fmt: Format, size: int) -> None:
        self.fmt = fmt
        self.prefix = fmt.slot_prefix
        self.slot = fmt.slot_size
        self.size = size
        self.seeds = self.block = b""

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

    def run(self, count: int, search: _Search) -> None:
        """One batch: generate, encode, pre-check in Python and offer the hits."""
        self.seeds, self.block = self.generate(count)
        text = self.fmt.batch_bodies(self.block, count)
        if search.best is None:  # the run's first key stands until a better one appears
            search.consider(text.split("\n", 1)[0], 0, self)
        if not search.done:
            search.scan(text, self)

    def key(self, index: int) -> tuple[bytes, bytes]:
        """(seed, public key) of key ``index`` of the last batch."""
        return self.seeds[SEED_LENGTH * index:SEED_LENGTH * (index + 1)], self.public_key(self.block, index)


class NativeSeedSource:
    """Seed mode in the native core: the batch's seeds from one ``os.urandom`` call;
    public keys, bodies and the pre-check in one C call."""

    def __init__(self, compiled: CompiledPattern, size: int) -> None:
        self.core = native.core()
        self.format_id = native.format_id(compiled.format.name)
        self.matcher = native.matcher_blob(compiled)
        self.size = size
        self.seeds = self.public_keys = b""
        self.indices: list[int] = []

    def run(self, count: int, search: _Search) -> None:
        self.seeds = os.urandom(SEED_LENGTH * count)
        self.indices, self.public_keys, bodies = self.core.seed_batch(
            self.format_id, self.seeds, self.matcher, search.min_parts, search.best is None)
        search.offer(self.indices, bodies, self)

    def key(self, hit: int) -> tuple[bytes, bytes]:
        index = self.indices[hit]
        return (self.seeds[SEED_LENGTH * index:SEED_LENGTH * (index + 1)],
                self.public_keys[PUBLIC_KEY_LENGTH * hit:PUBLIC_KEY_LENGTH * (hit + 1)])


def clamped_scalar(room: int) -> bytes:
    """A random scalar clamped as Tor's are (low 3 bits clear, bit 254 set, bit 255
    clear) with room for ``room`` steps of 8 below 2^255; drawn again in the
    (astronomically rare) case it has not."""
    while True:
        scalar = bytearray(os.urandom(32))
        scalar[0] &= 248
        scalar[31] &= 127
        scalar[31] |= 64
        if int.from_bytes(scalar, "little") + 8 * room < 2**255:
            return bytes(scalar)


class NativeExpandedSource:
    """Onion keys in expanded-key mode: per batch one clamped scalar ``a`` from
    ``os.urandom`` and the candidates ``(a + 8 i) B``, stepped and pre-checked in C.
    A candidate's secret is its scalar ``a + 8 i`` and a 32-byte prefix drawn when it is
    kept, so two kept keys never share a prefix."""

    def __init__(self, compiled: CompiledPattern, size: int) -> None:
        self.core = native.core()
        self.matcher = native.matcher_blob(compiled)
        self.size = size
        self.scalar = 0
        self.offsets: list[int] = []
        self.public_keys = b""

    def run(self, count: int, search: _Search) -> None:
        scalar = clamped_scalar(count)
        self.scalar = int.from_bytes(scalar, "little")
        self.offsets, self.public_keys, bodies = self.core.expanded_batch(
            scalar, count, self.matcher, search.min_parts, search.best is None, search.min_parts_through_checksum)
        search.offer(self.offsets, bodies, self)

    def key(self, hit: int) -> tuple[bytes, bytes]:
        scalar = (self.scalar + 8 * self.offsets[hit]).to_bytes(32, "little")
        return scalar + os.urandom(32), self.public_keys[PUBLIC_KEY_LENGTH * hit:PUBLIC_KEY_LENGTH * (hit + 1)]


def key_source(compiled: CompiledPattern, size: int, key_mode: KeyMode = None):
    """The key source for a grind: native where built (and not turned off), else Python."""
    if resolve_key_mode(compiled, key_mode) == "expanded":
        return NativeExpandedSource(compiled, size * EXPANDED_BATCH_FACTOR)
    if native.available():
        return NativeSeedSource(compiled, size)
    return KeySource(compiled.format, size)


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

    @property
    def min_parts(self) -> int:
        """The fewest parts a key must hold to possibly beat the best so far."""
        return max(1, self.best_quick[1])

    @property
    def min_parts_through_checksum(self) -> int:
        """Expanded mode: the parts an onion key must be able to reach for a match in its
        last five characters (two checksum bytes) to be looked at: one more than the best
        so far. So a SHA3 is spent on such a key only when it could raise the score or win
        the jackpot; a tie on score settled by bonus alone there is left out (without this,
        a part as short as three letters costs a SHA3 for nearly every candidate)."""
        return self.best_quick[1] + 1 if self.best is not None else 1

    def scan(self, text: str, keys: KeySource) -> None:
        """Score the keys of a batch that the pre-check finds; stop early at the target."""
        hits = _each_hit if self.compiled.regex is not None else _joined_hits
        for index, body in hits(self.precheck, text):
            self.consider(body, index, keys)
            if self.done:
                return

    def offer(self, hits: list[int], bodies: str, keys) -> None:
        """The hits of a native batch (in batch order, the first key among them when the
        search has no best yet); a regex pattern is searched here, body by body."""
        if not hits:
            return
        regex = self.compiled.regex
        first = self.best is None and hits[0] == 0
        for hit, body in enumerate(bodies.split("\n")):
            if regex is not None and not (first and hit == 0) and not regex.search(body):
                continue
            self.consider(body, hit, keys)
            if self.done:
                return

    def consider(self, body: str, ref: int, keys) -> None:
        """Score one key; ``keys.key(ref)`` gives its secret and public key if it is the
        best so far."""
        quick = quick_rank(self.compiled, body)
        if quick < self.best_quick:
            return
        match = evaluate(self.compiled, body)
        if self.best is not None and match.rank <= self.best.rank:
            return
        secret, public_key = keys.key(ref)
        self.best = Candidate(secret, public_key, self.fmt.address(public_key), body, match)
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
    key_mode: KeyMode = None,
) -> GrindResult:
    """Grind in this process until ``budget`` keys (exactly), ``until`` is reached, or
    ``should_stop()`` returns true (checked once per batch). With neither a budget nor a
    target it runs until stopped. ``progress`` is called at most every
    ``progress_every`` seconds and once at the end.

    ``key_mode``: None for the format's default (``resolve_key_mode``), ``"seed"`` or
    ``"expanded"`` (onion only, native core only; a batch is then
    ``EXPANDED_BATCH_FACTOR × batch_size`` candidates).
    """
    if budget is not None and budget < 0:
        raise ValueError("budget must be >= 0")
    search = _Search(compiled, until)
    keys = key_source(compiled, batch_size, key_mode)
    batch_size = keys.size
    started = time.perf_counter()
    next_report = started + progress_every
    tried = 0
    reason = "budget"
    while budget is None or tried < budget:
        count = batch_size if budget is None else min(batch_size, budget - tried)
        keys.run(count, search)
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
