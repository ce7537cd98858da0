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
"""

from __future__ import annotations

import math
import os
import time
from functools import lru_cache

import numpy as np
from nacl.bindings import crypto_sign_seed_keypair

from patterns.engine.automata import jackpot_probability, score_distribution
from patterns.engine.distribution import body_model
from patterns.engine.formats import Format
from patterns.engine.pattern import CompiledPattern, PatternSpec, compile_pattern
from patterns.engine.userregex import TOO_SLOW_MESSAGE, RegexTimeout

DEFAULT_SAMPLES = 4000
SAMPLING_TIMEOUT = 8.0  # seconds for all the searches of one sampled estimate
Z_95 = 1.959963984540054


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


def format_one_in(p: float) -> str:
    """``1 in 4,234,567`` (``never`` for 0)."""
    if p <= 0.0:
        return "never"
    odds = 1.0 / p
    if odds < 100:
        return f"1 in {odds:.3g}"
    if odds < 1e15:
        return f"1 in {round(odds):,}"
    return f"1 in {odds:.3g}".replace("e+", "e")


def format_percent(p: float) -> str:
    """A percentage with 3 significant digits that never rounds to 0% or 100%."""
    if p <= 0.0 or p >= 1.0:
        return "0%" if p <= 0.0 else "100%"
    pct, rest = 100.0 * p, 100.0 * (1.0 - p)
    if rest < 0.1:
        return f"{100.0 - rest:.{math.ceil(-math.log10(rest)) + 1}f}%"
    if pct < 1e-6:
        return f"{pct:.3g}%"
    return np.format_float_positional(pct, precision=3, unique=False, fractional=False, trim="-") + "%"


def format_duration(seconds: float | None) -> str:
    if seconds is None or math.isinf(seconds):
        return "never"
    for unit, size in (("years", 365.25 * 86400), ("days", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:,.3g} {unit}" if seconds / size < 1000 else f"{seconds / size:,.0f} {unit}"
    return f"{seconds:.3g} s"


def estimate(spec_or_compiled: PatternSpec | CompiledPattern, budget: int,
             keys_per_second: float | None, pull_cost_tokens: int,
             dollars_per_token: float, samples: int = DEFAULT_SAMPLES) -> dict:
    """The odds JSON of ``manage.py estimate --json`` and ``/api/patterns/estimate``."""
    compiled = spec_or_compiled if isinstance(spec_or_compiled, CompiledPattern) else compile_pattern(spec_or_compiled)
    spec = compiled.spec
    if spec.mode == "regex":
        p_jackpot, exactly, extra = _sampled_odds(compiled, samples)
    else:
        p_jackpot, exactly = exact_odds(spec)
        extra = {"method": "exact", "estimated": False}
    p_at_least = at_least(exactly)
    prices = (budget, pull_cost_tokens, dollars_per_token)
    levels = [_level(f"{k}/{compiled.n}", k, p_at_least[k], prices) for k in range(1, compiled.n + 1)]
    levels.append(_level("jackpot", compiled.n, p_jackpot, prices))
    return {
        "pattern": spec.pattern, "format": compiled.format.name, "mode": spec.mode,
        "anchor": spec.anchor, "fuzzy": spec.fuzzy, "case_insensitive": spec.case_insensitive,
        "parts": list(compiled.parts), "n": compiled.n, **extra,
        "p_jackpot": p_jackpot,
        "p_jackpot_one_in": format_one_in(p_jackpot),
        "p_jackpot_percent": format_percent(p_jackpot),
        "p_score_exactly": list(exactly),
        "p_score_at_least": p_at_least,
        "budget": budget, "pull_cost_tokens": pull_cost_tokens,
        "dollars_per_token": dollars_per_token, "keys_per_second": keys_per_second,
        "pull": {"budget": budget,
                 "p_jackpot": pull_probability(p_jackpot, budget),
                 "p_score_at_least": [pull_probability(p, budget) for p in p_at_least]},
        "levels": levels,
        "guaranteed": _guaranteed(compiled, p_jackpot, keys_per_second, prices),
    }


def _level(name: str, score: int, p_key: float, prices: tuple[int, int, float]) -> dict:
    budget, cost, dollars = prices
    p_pull = pull_probability(p_key, budget)
    pulls = 1.0 / p_pull if p_pull > 0 else None
    return {
        "level": name, "score": score,
        "p_key": p_key, "key_one_in": format_one_in(p_key), "key_percent": format_percent(p_key),
        "p_pull": p_pull, "pull_one_in": format_one_in(p_pull), "pull_percent": format_percent(p_pull),
        "expected_pulls": pulls,
        "expected_tokens": None if pulls is None else pulls * cost,
        "expected_dollars": None if pulls is None else pulls * cost * dollars,
    }


def _guaranteed(compiled: CompiledPattern, p: float, keys_per_second: float | None,
                prices: tuple[int, int, float]) -> dict:
    """Keys (and time, and tokens at the pull price per key) until the first jackpot."""
    if compiled.spec.mode == "regex":
        return {"offered": False, "reason": "guaranteed mode is not offered for regex patterns"}
    if p <= 0.0:
        return {"offered": False, "reason": "this pattern can never be an exact match"}
    budget, cost, dollars = prices
    keys = {"expected": 1.0 / p, "median": keys_quantile(p, 0.5), "p99": keys_quantile(p, 0.99)}
    out: dict = {"offered": True}
    for name, count in keys.items():
        seconds = count / keys_per_second if keys_per_second else None
        tokens = count * cost / budget if budget else None
        out.update({
            f"{name}_keys": count, f"{name}_keys_text": f"{count:,.0f}",
            f"{name}_seconds": seconds, f"{name}_time": format_duration(seconds),
            f"{name}_tokens_at_pull_price": tokens,
            f"{name}_dollars_at_pull_price": None if tokens is None else tokens * dollars,
        })
    return out


def _sampled_odds(compiled: CompiledPattern, samples: int) -> tuple[float, list[float], dict]:
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
    extra = {
        "method": "sampled", "estimated": True, "samples": samples,
        "p_jackpot_interval": wilson_interval(jackpots, samples),
        "p_score_interval": wilson_interval(hits, samples),
    }
    return p_jackpot, [1.0 - p_hit, p_hit], extra


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
