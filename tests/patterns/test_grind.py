"""The single-process grinder: budgets, targets, stopping, progress, its key source, and
that its best is really the best."""

import hashlib
import importlib

import pytest

from patterns.engine import FORMATS, GrindProgress, PatternSpec, RegexTimeout, compile_pattern, evaluate, grind
from patterns.engine.grind import KeySource, candidate_from_seed, precheck_regex
from patterns.engine.keys import keypair_from_seed, public_key_from_secret
from patterns.engine.pattern import _compile

grind_module = importlib.import_module("patterns.engine.grind")  # the name ``grind`` is the function


def compiled(pattern: str, fmt: str = "did:key", **options):
    return compile_pattern(PatternSpec(pattern, fmt, **options))


class CountingRandom:
    """A deterministic stand-in for os.urandom that remembers every seed it gave."""

    def __init__(self) -> None:
        self.counter = 0
        self.seeds: list[bytes] = []

    def __call__(self, size: int) -> bytes:
        return b"".join(self._next() for _ in range(size // 32))

    def _next(self) -> bytes:
        self.counter += 1
        seed = hashlib.sha256(self.counter.to_bytes(8, "big")).digest()
        self.seeds.append(seed)
        return seed


def assert_consistent(pattern, best):
    assert best == candidate_from_seed(pattern, best.seed)
    assert best.match == evaluate(pattern, best.body)
    assert best.public_key == public_key_from_secret(best.secret)
    assert best.address == pattern.format.address(best.public_key)


def test_a_budget_is_respected_exactly():
    result = grind(compiled("ab cd"), budget=2500, batch_size=1024)
    assert result.keys_tried == 2500
    assert result.stopped_reason == "budget"


def test_a_zero_budget_tries_nothing():
    result = grind(compiled("ab"), budget=0)
    assert (result.keys_tried, result.best) == (0, None)


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_a_short_pattern_reaches_its_jackpot_in_every_format(fmt):
    pattern = compiled("ab", fmt, case_insensitive=True)
    result = grind(pattern, until="jackpot")
    assert result.stopped_reason == "target"
    assert result.best.match.jackpot
    assert_consistent(pattern, result.best)


def test_until_a_score_stops_at_that_score():
    pattern = compiled("a b zz")
    result = grind(pattern, until=2)
    assert result.stopped_reason == "target"
    assert result.best.match.score >= 2


def test_should_stop_is_checked_after_each_batch():
    result = grind(compiled("zzzzzz"), should_stop=lambda: True, batch_size=512)
    assert result.stopped_reason == "stopped"
    assert result.keys_tried == 512


def test_progress_is_reported_and_ends_with_the_final_count():
    seen: list[GrindProgress] = []
    result = grind(compiled("ab cd"), budget=3000, progress=seen.append, progress_every=0.0, batch_size=1000)
    assert [p.keys_tried for p in seen] == [1000, 2000, 3000, 3000]
    assert seen[-1].best == result.best


def test_the_best_is_the_maximum_over_every_key_tried(monkeypatch):
    randomness = CountingRandom()
    monkeypatch.setattr(grind_module.os, "urandom", randomness)
    pattern = compiled("ab cd ef")
    result = grind(pattern, budget=3000)
    ranks = [evaluate(pattern, pattern.format.body_from_public_key(keypair_from_seed(s)[0])).rank
             for s in randomness.seeds]
    assert len(ranks) == 3000
    assert max(ranks)[1] >= 1  # some key found a part, so the pre-check had work to do
    assert result.best.rank == max(ranks)
    assert_consistent(pattern, result.best)


def test_regex_patterns_are_checked_body_by_body():
    pattern = compiled("^[e-g].*9$", mode="regex")
    result = grind(pattern, until="jackpot")
    assert result.best.match.jackpot
    assert result.best.body[0] in "efg" and result.best.body.endswith("9")


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_the_key_source_lays_out_each_seeds_public_key_in_the_formats_slots(fmt, monkeypatch):
    randomness = CountingRandom()
    monkeypatch.setattr(grind_module.os, "urandom", randomness)
    layout = FORMATS[fmt]
    keys = KeySource(layout, 8)
    seeds, block = keys.generate(5)
    assert seeds == b"".join(randomness.seeds) and len(block) == 5 * layout.slot_size
    for index, seed in enumerate(randomness.seeds):
        public_key = keypair_from_seed(seed)[0]
        assert keys.public_key(block, index) == public_key
        assert block[index * layout.slot_size:(index + 1) * layout.slot_size] == layout.slot_prefix + public_key


def test_without_any_part_found_the_first_key_is_returned():
    pattern = compiled("zzzzzzzzzzzzzzzz")
    result = grind(pattern, budget=100)
    assert result.best.match.score == 0
    assert_consistent(pattern, result.best)


@pytest.mark.parametrize("pattern, options", [
    ("Vani Key", {}),
    ("vani key", {"case_insensitive": True}),
    ("GO BE AWE SOME", {"fuzzy": True}),
    ("a ab abc 9 zz", {"fuzzy": True, "case_insensitive": True}),
])
def test_the_precheck_finds_a_body_exactly_when_any_part_regex_does(pattern, options):
    compiled_pattern = compiled(pattern, **options)
    precheck = precheck_regex(compiled_pattern)
    for key in (keypair_from_seed(hashlib.sha256(bytes([i, j])).digest())[0] for i in range(20) for j in range(100)):
        body = compiled_pattern.format.body_from_public_key(key)
        found = compiled_pattern.any_part_regex.search(body)
        mine = precheck.search(body)
        assert (mine and mine.start()) == (found and found.start())


SLOW_REGEX = r"(\w|[a-z])+\W"  # refused by validation; compiled here as if it had slipped past


def test_grinding_a_regex_too_slow_to_search_raises_the_engine_timeout():
    with pytest.raises(RegexTimeout, match="too slow to search"):
        grind(_compile(PatternSpec(SLOW_REGEX, mode="regex")), budget=100)


def test_regex_groups_keep_their_meaning_while_grinding():
    pattern = compiled(r"(\w)\1", mode="regex", anchor="suffix")
    result = grind(pattern, until="jackpot")
    assert result.best.body[-1] == result.best.body[-2]
    assert_consistent(pattern, result.best)


