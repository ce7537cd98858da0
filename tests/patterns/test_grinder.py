"""The grinder: budgets, targets, stopping, progress, and that its best is really the best."""

import hashlib

import pytest

from patterns.engine import grinder
from patterns.engine.formats import FORMATS
from patterns.engine.grinder import GrindProgress, candidate_from_seed, grind, grind_parallel
from patterns.engine.keys import keypair_from_seed
from patterns.engine.matcher import evaluate
from patterns.engine.pattern import PatternSpec, _compile, compile_pattern
from patterns.engine.userregex import RegexTimeout


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
    assert best.public_key == keypair_from_seed(best.seed)[0]
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
    monkeypatch.setattr(grinder.os, "urandom", randomness)
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


def test_without_any_part_found_the_first_key_is_returned():
    pattern = compiled("zzzzzzzzzzzzzzzz")
    result = grind(pattern, budget=100)
    assert result.best.match.score == 0
    assert_consistent(pattern, result.best)


def test_parallel_budget_is_split_exactly_across_workers():
    pattern = compiled("ab cd")
    result = grind_parallel(pattern, workers=2, budget=3001)
    assert result.keys_tried == 3001
    assert (result.workers, result.stopped_reason) == (2, "budget")
    assert_consistent(pattern, result.best)


def test_parallel_stops_every_worker_at_the_first_jackpot():
    pattern = compiled("abc")
    result = grind_parallel(pattern, workers=2, until="jackpot")
    assert result.stopped_reason == "target"
    assert result.best.match.jackpot
    assert_consistent(pattern, result.best)


def test_parallel_should_stop_and_progress():
    seen: list[GrindProgress] = []
    result = grind_parallel(compiled("zzzzzzzz"), workers=2, progress=seen.append,
                            should_stop=lambda: True, progress_every=0.0)
    assert result.stopped_reason == "stopped"
    assert seen and seen[-1].keys_tried == result.keys_tried > 0


def test_the_parent_keeps_the_best_seed_any_worker_reports():
    pattern = compiled("ab")
    seeds = [hashlib.sha256(bytes([i])).digest() for i in range(200)]
    pool = grinder._Pool(pattern)
    for worker, seed in enumerate(seeds):
        pool.receive(("progress", worker % 2, 10, seed))
    best_rank = max(candidate_from_seed(pattern, s).rank for s in seeds)
    assert pool.best.rank == best_rank
    assert pool.keys_tried == 20


def test_a_failing_worker_is_reported_as_an_error():
    pool = grinder._Pool(compiled("ab"))
    with pytest.raises(RuntimeError, match="boom"):
        pool.receive(("error", 1, "ValueError: boom", None))


@pytest.mark.parametrize("pattern, options", [
    ("Vani Key", {}),
    ("vani key", {"case_insensitive": True}),
    ("GO BE AWE SOME", {"fuzzy": True}),
    ("a ab abc 9 zz", {"fuzzy": True, "case_insensitive": True}),
])
def test_the_precheck_finds_a_body_exactly_when_any_part_regex_does(pattern, options):
    compiled_pattern = compiled(pattern, **options)
    precheck = grinder.precheck_regex(compiled_pattern)
    for key in (keypair_from_seed(hashlib.sha256(bytes([i, j])).digest())[0] for i in range(20) for j in range(100)):
        body = compiled_pattern.format.body_from_public_key(key)
        found = compiled_pattern.any_part_regex.search(body)
        mine = precheck.search(body)
        assert (mine and mine.start()) == (found and found.start())


SLOW_REGEX = r"(\w|[a-z])+\W"  # refused by validation; compiled here as if it had slipped past


def test_grinding_a_regex_too_slow_to_search_raises_the_engine_timeout():
    with pytest.raises(RegexTimeout, match="too slow to search"):
        grind(_compile(PatternSpec(SLOW_REGEX, mode="regex")), budget=100)


def test_a_worker_timing_out_raises_the_engine_timeout_in_the_parent():
    with pytest.raises(RegexTimeout, match="too slow to search"):
        grind_parallel(_compile(PatternSpec(SLOW_REGEX, mode="regex")), workers=2, budget=100)


def test_regex_groups_keep_their_meaning_while_grinding():
    pattern = compiled(r"(\w)\1", mode="regex", anchor="suffix")
    result = grind(pattern, until="jackpot")
    assert result.best.body[-1] == result.best.body[-2]
    assert_consistent(pattern, result.best)


@pytest.mark.parametrize("workers", [-1, grinder.max_workers() + 1])
def test_parallel_refuses_a_worker_count_out_of_range(workers):
    with pytest.raises(ValueError, match="workers must be between 1 and"):
        grind_parallel(compiled("ab"), workers=workers, budget=10)
