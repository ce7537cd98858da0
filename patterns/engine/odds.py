"""Odds (PRODUCT.md §4): exact per-key probabilities, per-pull and guaranteed figures.

Per key, ``words`` patterns are computed exactly by a DP of the pattern's automata over
the format's exact body distribution (distribution.py, automata.py) — no sampling and
no independence assumption. ``regex`` patterns are estimated by sampling real keys and
carry a 95% confidence interval; sampling that runs past SAMPLING_TIMEOUT (or one
search past its own limit) raises ``userregex.RegexTimeout``.

Figures derived from a per-key probability p:

* per pull of N keys: P(best ≥ level) = 1 − (1 − p)^N, computed as −expm1(N·log1p(−p));
* guaranteed: keys until the first jackpot are geometric: mean 1/p, quantile q at
  ceil(log(1 − q) / log(1 − p));
* by pulling: pulls until a pull reaches the level are geometric too, so the expected
  cost is pull_cost / P(pull reaches level) tokens.

``estimate`` returns an ``OddsEstimate``: numbers only (probabilities, counts, seconds,
tokens, dollars). Turning them into text ("1 in 4,234,567", "0.113%", "3.2 days") is the
caller's business.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np
from nacl.bindings import crypto_sign_seed_keypair

from .automata import jackpot_probability, score_distribution
from .distribution import body_model
from .formats import Format
from .pattern import CompiledPattern, PatternSpec, compile_pattern
from .userregex import TOO_SLOW_MESSAGE, RegexTimeout

DEFAULT_SAMPLES = 4000
SAMPLING_TIMEOUT = 8.0  # seconds for all the searches of one sampled estimate
Z_95 = 1.959963984540054


@dataclass(frozen=True)
class SamplingInfo:
    """How a regex pattern's odds were estimated: ``samples`` real keys, and the 95%
    (Wilson) intervals of the jackpot and hit rates."""

    samples: int
    p_jackpot_interval: tuple[float, float]
    p_score_interval: tuple[float, float]


@dataclass(frozen=True)
class PullOdds:
    """Per pull of ``budget`` keys: P(jackpot) and P(best score ≥ k) for k = 0…n."""

    budget: int
    p_jackpot: float
    p_score_at_least: tuple[float, ...]


@dataclass(frozen=True)
class LevelOdds:
    """One level of the odds table: a score of ``score``/n, or the jackpot.

    ``expected_pulls`` (and the tokens and dollars they cost) is the mean number of pulls
    until one reaches the level; None when no pull can.
    """

    score: int
    jackpot: bool
    p_key: float
    p_pull: float
    expected_pulls: float | None
    expected_tokens: float | None
    expected_dollars: float | None


@dataclass(frozen=True)
class KeysFigure:
    """One figure of the keys a guaranteed job grinds until its jackpot: ``keys`` (the
    mean 1/p, or a whole-number quantile), the wall time at the pool's rate and the
    tokens and dollars those keys would cost at the pull price (None where unknown)."""

    keys: float
    seconds: float | None
    tokens_at_pull_price: float | None
    dollars_at_pull_price: float | None


@dataclass(frozen=True)
class GuaranteedOdds:
    """A guaranteed job: the expected, median and 99th-percentile keys to a jackpot, or
    not offered (``reason``: "regex" patterns, or an "impossible" jackpot)."""

    offered: bool
    reason: Literal["regex", "impossible"] | None = None
    expected: KeysFigure | None = None
    median: KeysFigure | None = None
    p99: KeysFigure | None = None


@dataclass(frozen=True)
class OddsEstimate:
    """Everything PRODUCT.md §4 promises about one pattern, as numbers.

    ``p_score_exactly`` and ``p_score_at_least`` are indexed by k = 0…n; ``levels`` holds
    k = 1…n and then the jackpot; ``sampling`` is None for exact (words) odds.
    """

    spec: PatternSpec
    format: str
    parts: tuple[str, ...]
    p_jackpot: float
    p_score_exactly: tuple[float, ...]
    p_score_at_least: tuple[float, ...]
    budget: int
    pull_cost_tokens: int
    dollars_per_token: float
    keys_per_second: float | None
    pull: PullOdds
    levels: tuple[LevelOdds, ...]
    guaranteed: GuaranteedOdds
    sampling: SamplingInfo | None = None

    @property
    def n(self) -> int:
        return len(self.parts)

    @property
    def estimated(self) -> bool:
        """Whether the odds were sampled (regex mode) rather than computed exactly."""
        return self.sampling is not None


@lru_cache(maxsize=512)
def exact_odds(spec: PatternSpec) -> tuple[float, tuple[float, ...]]:
    """(P(jackpot), P(score = k) for k = 0..n) of a words pattern, exactly."""
    compiled = compile_pattern(spec)
    model = body_model(compiled.format.name)
    classes = list(compiled.classes)
    exactly = score_distribution(model, classes)
    return jackpot_probability(model, classes, spec.anchor), tuple(float(p) for p in exactly)


def at_least(exactly: list[float] | tuple[float, ...]) -> list[float]:
    """P(score ≥ k) from P(score = k), summed from the top so small tails stay exact."""
    tail = np.cumsum(np.asarray(exactly, dtype=float)[::-1])[::-1]
    return [min(1.0, float(p)) for p in tail]


def pull_probability(p: float, budget: int) -> float:
    """P(at least one of ``budget`` independent keys reaches a level of per-key odds p)."""
    if p >= 1.0:
        return 1.0 if budget > 0 else 0.0
    return float(-math.expm1(budget * math.log1p(-p)))


def keys_quantile(p: float, q: float) -> int | None:
    """The q-quantile of the number of keys until the first success (geometric)."""
    if p <= 0.0:
        return None
    if p >= 1.0:
        return 1
    return max(1, math.ceil(math.log1p(-q) / math.log1p(-p)))


def estimate(spec_or_compiled: PatternSpec | CompiledPattern, budget: int,
             keys_per_second: float | None, pull_cost_tokens: int,
             dollars_per_token: float, samples: int = DEFAULT_SAMPLES) -> OddsEstimate:
    """The odds of a pattern per key, per pull of ``budget`` keys and for a guaranteed
    job at ``keys_per_second`` (None: unknown), priced at ``pull_cost_tokens`` a pull."""
    compiled = spec_or_compiled if isinstance(spec_or_compiled, CompiledPattern) else compile_pattern(spec_or_compiled)
    spec = compiled.spec
    sampling = None
    if spec.mode == "regex":
        p_jackpot, exactly, sampling = _sampled_odds(compiled, samples)
    else:
        p_jackpot, exactly = exact_odds(spec)
    p_at_least = tuple(at_least(exactly))
    prices = (budget, pull_cost_tokens, dollars_per_token)
    levels = [_level(k, False, p_at_least[k], prices) for k in range(1, compiled.n + 1)]
    levels.append(_level(compiled.n, True, p_jackpot, prices))
    return OddsEstimate(
        spec=spec, format=compiled.format.name, parts=tuple(compiled.parts),
        p_jackpot=p_jackpot, p_score_exactly=tuple(exactly), p_score_at_least=p_at_least,
        budget=budget, pull_cost_tokens=pull_cost_tokens, dollars_per_token=dollars_per_token,
        keys_per_second=keys_per_second,
        pull=PullOdds(budget, pull_probability(p_jackpot, budget),
                      tuple(pull_probability(p, budget) for p in p_at_least)),
        levels=tuple(levels),
        guaranteed=_guaranteed(compiled, p_jackpot, keys_per_second, prices),
        sampling=sampling,
    )


def _level(score: int, jackpot: bool, p_key: float, prices: tuple[int, int, float]) -> LevelOdds:
    budget, cost, dollars = prices
    p_pull = pull_probability(p_key, budget)
    pulls = 1.0 / p_pull if p_pull > 0 else None
    return LevelOdds(
        score=score, jackpot=jackpot, p_key=p_key, p_pull=p_pull, expected_pulls=pulls,
        expected_tokens=None if pulls is None else pulls * cost,
        expected_dollars=None if pulls is None else pulls * cost * dollars,
    )


def _guaranteed(compiled: CompiledPattern, p: float, keys_per_second: float | None,
                prices: tuple[int, int, float]) -> GuaranteedOdds:
    """Keys (and time, and tokens at the pull price per key) until the first jackpot."""
    if compiled.spec.mode == "regex":
        return GuaranteedOdds(offered=False, reason="regex")
    if p <= 0.0:
        return GuaranteedOdds(offered=False, reason="impossible")
    budget, cost, dollars = prices

    def figure(count: float) -> KeysFigure:
        seconds = count / keys_per_second if keys_per_second else None
        tokens = count * cost / budget if budget else None
        return KeysFigure(count, seconds, tokens, None if tokens is None else tokens * dollars)

    return GuaranteedOdds(offered=True, expected=figure(1.0 / p), median=figure(keys_quantile(p, 0.5)),
                          p99=figure(keys_quantile(p, 0.99)))


def _sampled_odds(compiled: CompiledPattern, samples: int) -> tuple[float, list[float], SamplingInfo]:
    """Regex mode: hit rate (score 1/1) and anchored hit rate over real keys.

    A jackpot (an anchored match) is always a hit, so only hits are searched again.
    """
    bodies = sample_bodies(compiled.format, samples)
    deadline = time.perf_counter() + SAMPLING_TIMEOUT
    hits = jackpots = 0
    for body in bodies:
        if compiled.regex.search(body):
            hits += 1
            jackpots += compiled.jackpot_regex.search(body) is not None
        if time.perf_counter() > deadline:
            raise RegexTimeout(TOO_SLOW_MESSAGE)
    p_hit, p_jackpot = hits / samples, jackpots / samples
    sampling = SamplingInfo(samples, tuple(wilson_interval(jackpots, samples)), tuple(wilson_interval(hits, samples)))
    return p_jackpot, [1.0 - p_hit, p_hit], sampling


def wilson_interval(successes: int, trials: int, z: float = Z_95) -> list[float]:
    """The Wilson score interval of a binomial proportion (sensible at 0 and 1 too)."""
    p = successes / trials
    centre = (p + z * z / (2 * trials)) / (1 + z * z / trials)
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / (1 + z * z / trials)
    return [max(0.0, centre - half), min(1.0, centre + half)]


def sample_bodies(fmt: Format, count: int) -> list[str]:
    """Bodies of ``count`` real keys from fresh OS-random seeds."""
    block = b"".join(fmt.slot_prefix + crypto_sign_seed_keypair(os.urandom(32))[0] for _ in range(count))
    return fmt.batch_bodies(block, count).split("\n")
