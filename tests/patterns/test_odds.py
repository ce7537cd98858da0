"""Exact odds: brute force on tiny alphabets, Monte Carlo on real keys, derived figures."""

from __future__ import annotations

import itertools
import math
import random

import numpy as np
import pytest

from patterns.engine import (
    PatternSpec,
    RegexTimeout,
    compile_pattern,
    distribution,
    estimate,
    exact_odds,
    odds,
    pull_probability,
)
from patterns.engine.automata import jackpot_probability, score_distribution
from patterns.engine.matcher import quick_rank
from patterns.engine.odds import at_least, keys_quantile, wilson_interval
from patterns.engine.pattern import _compile
from tests.patterns._bodies import real_bodies

CI = {"case_insensitive": True}
FUZZY = {"fuzzy": True}
BOTH = {"fuzzy": True, "case_insensitive": True}
PREFIX = {"anchor": "prefix"}
SUFFIX = {"anchor": "suffix"}

COMMON = [
    ("a", {}), ("ab", CI), ("aa aa", CI), ("ab ba", CI), ("aba ba", BOTH), ("x y z", CI),
    ("a a a", {}), ("O o", FUZZY), ("g", BOTH), ("4 b", FUZZY),
]
SPECIFIC = {
    "did:key": [("e", PREFIX), ("f", PREFIX), ("w", PREFIX), ("e1", {**PREFIX, **FUZZY}),
                ("s", PREFIX), ("eX", {**PREFIX, **CI}), ("9", {**SUFFIX, **FUZZY})],
    "solana": [("1", PREFIX), ("2", PREFIX), ("z", PREFIX), ("5H", {**PREFIX, **CI}),
               ("a", {**PREFIX, **CI}), ("Z", SUFFIX)],
    "ssh": [("A", PREFIX), ("P", PREFIX), ("Ab", {**PREFIX, **CI}), ("+", {}), ("/ +", {}),
            ("a", SUFFIX)],
    "ssh-fp": [("A", SUFFIX), ("w", SUFFIX), ("e", {**SUFFIX, **CI}), ("sw", {**SUFFIX, **CI}),
               ("a", PREFIX), ("+ /", {})],
    "onion": [("d", SUFFIX), ("ad", SUFFIX), ("yd", SUFFIX), ("e", PREFIX), ("aa", {**PREFIX, **FUZZY}),
              ("2 3", {})],
}
CASES = [(fmt, pattern, options) for fmt, extra in SPECIFIC.items() for pattern, options in COMMON + extra]


def _within_4_se(count: int, total: int, p: float) -> bool:
    se = math.sqrt(p * (1 - p) / total)
    return abs(count / total - p) <= 4 * se + 1e-12


@pytest.mark.parametrize(("fmt", "pattern", "options"), CASES)
def test_exact_odds_agree_with_real_keys(fmt: str, pattern: str, options: dict) -> None:
    spec = PatternSpec(pattern, format=fmt, **options)
    compiled = compile_pattern(spec)
    p_jackpot, exactly = exact_odds(spec)
    bodies = real_bodies(fmt)
    ranks = [quick_rank(compiled, body) for body in bodies]
    levels = [(p, sum(1 for _, s in ranks if s >= k)) for k, p in enumerate(at_least(exactly)) if k]
    levels.append((p_jackpot, sum(j for j, _ in ranks)))
    for p, count in levels:
        if p in (0.0, 1.0):
            assert count == p * len(bodies)
    checked = [(p, c) for p, c in levels if min(p, 1 - p) * len(bodies) >= 5]
    assert checked or pattern == "d", "pick a pattern with some level likely enough to test"
    for p, count in checked:
        assert _within_4_se(count, len(bodies), p), (p, count / len(bodies))


@pytest.mark.parametrize("fmt", sorted(distribution._MODELS))
def test_every_format_has_ten_monte_carlo_patterns(fmt: str) -> None:
    assert sum(1 for f, _, _ in CASES if f == fmt) >= 10


@pytest.mark.parametrize("fmt", sorted(distribution._MODELS))
def test_model_support_holds_every_real_body(fmt: str) -> None:
    model = distribution.body_model(fmt)
    for body in real_bodies(fmt)[:5000]:
        assert model.min_length <= len(body) <= model.max_length
        assert all(c in model.support[i] for i, c in enumerate(body))
        assert all(c in model.end_support[i] for i, c in enumerate(reversed(body)))


def test_leading_did_key_digits_are_uneven_and_dependent() -> None:
    """The naive uniform guess is far off for prefixes; the exact model is not."""
    p_e = exact_odds(PatternSpec("e", anchor="prefix"))[0]
    assert abs(p_e - 1 / 18) > 0.01
    p_e1 = exact_odds(PatternSpec("e1", anchor="prefix", fuzzy=True))[0]
    assert p_e1 != pytest.approx(p_e * 2 / 58, rel=1e-2)  # the second digit depends on the first


def test_solana_lengths_and_leading_ones() -> None:
    model = distribution.body_model("solana")
    assert (model.min_length, model.max_length) == (32, 44)
    assert exact_odds(PatternSpec("1", format="solana", anchor="prefix"))[0] == pytest.approx(1 / 256, rel=1e-9)
    assert exact_odds(PatternSpec("11", format="solana", anchor="prefix"))[0] == pytest.approx(2 ** -16, rel=1e-9)


def test_onion_and_ssh_fixed_characters() -> None:
    assert exact_odds(PatternSpec("d", format="onion", anchor="suffix"))[0] == pytest.approx(1.0)
    assert exact_odds(PatternSpec("qd", format="onion", anchor="suffix"))[0] == pytest.approx(0.25)
    assert exact_odds(PatternSpec("A", format="ssh", anchor="prefix"))[0] == pytest.approx(1 / 16)
    assert exact_odds(PatternSpec("A", format="ssh-fp", anchor="suffix"))[0] == pytest.approx(1 / 16)


# --- brute force on a tiny alphabet -----------------------------------------------------

ALPHABET = "abc"


def _window(body: str, part: tuple, i: int) -> bool:
    return i + len(part) <= len(body) and all(body[i + j] in cls for j, cls in enumerate(part))


def _found(body: str, part: tuple) -> bool:
    return any(_window(body, part, i) for i in range(len(body)))


def _jackpot(body: str, parts: list, anchor: str, start: int = 0) -> bool:
    """Plain recursive search over every placement (the obviously-correct reference)."""
    if not parts:
        return True
    part, rest = parts[0], parts[1:]
    for i in range(start, len(body)):
        if anchor == "prefix" and start == 0 and i > 0:
            break
        if anchor == "suffix" and not rest and i + len(part) != len(body):
            continue
        if _window(body, part, i) and _jackpot(body, rest, anchor, i + len(part)):
            return True
    return False


def _digits(value: int, ndigits: int) -> str:
    return "".join(ALPHABET[(value // 3 ** (ndigits - 1 - k)) % 3] for k in range(ndigits))


def _random_parts(rng: random.Random) -> list[tuple[frozenset[str], ...]]:
    return [
        tuple(frozenset(rng.sample(ALPHABET, rng.choice([1, 1, 2]))) for _ in range(rng.randint(1, 3)))
        for _ in range(rng.randint(1, 3))
    ]


def _check_against_bodies(model: distribution.BodyModel, weighted: dict[str, float],
                          parts: list, anchor: str) -> None:
    by_score = np.zeros(len(parts) + 1)
    jackpot = 0.0
    for body, weight in weighted.items():
        by_score[sum(_found(body, p) for p in parts)] += weight
        jackpot += weight * _jackpot(body, parts, anchor)
    assert np.allclose(score_distribution(model, parts), by_score, atol=1e-12)
    assert jackpot_probability(model, parts, anchor) == pytest.approx(jackpot, abs=1e-12)


@pytest.mark.parametrize("seed", range(40))
def test_range_dp_matches_brute_force(seed: int) -> None:
    """Uniform integers in [lo, hi) as 6 base-3 digits: uneven, dependent leading digits."""
    rng = random.Random(seed)
    lo = rng.randrange(0, 3 ** 6 // 2)
    hi = rng.randrange(lo + 1, 3 ** 6 + 1)
    skip = 1 if lo // 3 ** 5 == (hi - 1) // 3 ** 5 and rng.random() < 0.5 else 0
    model = distribution.range_model(ALPHABET, lo, hi, 6, skip)
    weighted: dict[str, float] = {}
    for value in range(lo, hi):
        body = _digits(value, 6)[skip:]
        weighted[body] = weighted.get(body, 0.0) + 1 / (hi - lo)
    _check_against_bodies(model, weighted, _random_parts(rng), rng.choice(["anywhere", "prefix", "suffix"]))


@pytest.mark.parametrize("seed", range(20))
def test_independent_dp_matches_brute_force(seed: int) -> None:
    rng = random.Random(1000 + seed)
    positions = []
    for _ in range(5):
        raw = {c: rng.choice([0, 1, 2, 5]) for c in ALPHABET}
        raw["a"] = raw["a"] or 1
        positions.append({c: w / sum(raw.values()) for c, w in raw.items() if w})
    model = distribution.independent_model(ALPHABET, positions)
    weighted = {}
    for chars in itertools.product(*positions):
        weighted["".join(chars)] = math.prod(positions[i][c] for i, c in enumerate(chars))
    _check_against_bodies(model, weighted, _random_parts(rng), rng.choice(["anywhere", "prefix", "suffix"]))


def test_range_model_rejects_unfixed_skipped_digits() -> None:
    with pytest.raises(ValueError):
        distribution.range_model(ALPHABET, 0, 3 ** 6, 6, skip=1)


# --- derived figures --------------------------------------------------------------------

def test_pull_probability_is_stable_for_tiny_odds() -> None:
    assert pull_probability(1e-20, 100_000) == pytest.approx(1e-15, rel=1e-9)
    assert pull_probability(0.0, 10) == 0.0
    assert pull_probability(1.0, 10) == 1.0
    assert pull_probability(0.5, 2) == pytest.approx(0.75)


def test_geometric_quantiles() -> None:
    assert keys_quantile(0.5, 0.5) == 1
    assert keys_quantile(1e-6, 0.5) == math.ceil(math.log(0.5) / math.log1p(-1e-6))
    assert keys_quantile(1e-6, 0.99) == pytest.approx(4_605_168, abs=2)
    assert keys_quantile(0.0, 0.5) is None


def test_at_least_keeps_small_tails() -> None:
    assert at_least([1 - 1e-30, 1e-30]) == [1.0, 1e-30]


def test_wilson_interval_covers_zero_hits() -> None:
    low, high = wilson_interval(0, 1000)
    assert low == pytest.approx(0.0, abs=1e-12) and 0 < high < 0.01


def test_estimate_for_a_words_pattern() -> None:
    result = estimate(PatternSpec("GO BE AWE SOME", fuzzy=True, case_insensitive=True),
                      budget=100_000, keys_per_second=50_000.0, pull_cost_tokens=100, dollars_per_token=0.005)
    assert result.format == "did:key" and result.n == 4 and result.parts == ("GO", "BE", "AWE", "SOME")
    assert result.estimated is False and result.sampling is None
    assert len(result.p_score_at_least) == 5 and result.p_score_at_least[0] == pytest.approx(1.0)
    assert sum(result.p_score_exactly) == pytest.approx(1.0)
    assert result.p_jackpot <= result.p_score_at_least[4]
    assert [(level.score, level.jackpot) for level in result.levels] == [
        (1, False), (2, False), (3, False), (4, False), (4, True)]
    jackpot = result.levels[-1]
    assert jackpot.p_key == result.p_jackpot and jackpot.p_pull == result.pull.p_jackpot
    assert jackpot.expected_tokens == pytest.approx(100 / jackpot.p_pull)
    guaranteed = result.guaranteed
    assert guaranteed.offered and guaranteed.expected.keys == pytest.approx(1 / result.p_jackpot)
    assert guaranteed.median.keys < guaranteed.expected.keys < guaranteed.p99.keys
    assert guaranteed.expected.seconds == pytest.approx(guaranteed.expected.keys / 50_000)


def test_an_estimate_is_frozen() -> None:
    result = estimate(PatternSpec("ab"), budget=10, keys_per_second=None, pull_cost_tokens=100, dollars_per_token=0.01)
    with pytest.raises(AttributeError):
        result.p_jackpot = 1.0
    assert result.guaranteed.expected.seconds is None


def test_estimate_regex_is_sampled_with_an_interval() -> None:
    result = estimate(PatternSpec("[a-c]", mode="regex"), budget=10, keys_per_second=None,
                      pull_cost_tokens=100, dollars_per_token=0.01, samples=500)
    assert result.estimated is True and result.sampling.samples == 500
    low, high = result.sampling.p_jackpot_interval
    assert low <= result.p_jackpot <= high
    assert result.p_jackpot > 0.5
    assert (result.guaranteed.offered, result.guaranteed.reason) == (False, "regex")


def test_sampling_a_regex_too_slow_to_search_raises_the_engine_timeout() -> None:
    slow = _compile(PatternSpec(r"(\w|[a-z])+\W", mode="regex"))  # skips validation, which refuses it
    with pytest.raises(RegexTimeout, match="too slow to search"):
        estimate(slow, budget=10, keys_per_second=None, pull_cost_tokens=100, dollars_per_token=0.01, samples=50)


def test_sampling_stops_at_its_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(odds, "SAMPLING_TIMEOUT", 0.0)
    with pytest.raises(RegexTimeout):
        estimate(PatternSpec("[a-c]", mode="regex"), budget=10, keys_per_second=None,
                 pull_cost_tokens=100, dollars_per_token=0.01, samples=50)


@pytest.mark.parametrize("anchor", ["prefix", "suffix"])
def test_sampled_regex_odds_keep_group_meaning_and_anchors(anchor: str) -> None:
    result = estimate(PatternSpec(r"(\w)\1", "ssh-fp", mode="regex", anchor=anchor), budget=10, keys_per_second=None,
                      pull_cost_tokens=100, dollars_per_token=0.01, samples=4000)
    # a doubled character somewhere: common; at one end: about 1 in the alphabet's size
    assert result.p_score_at_least[1] > 0.4
    assert 0.005 < result.p_jackpot < 0.05
