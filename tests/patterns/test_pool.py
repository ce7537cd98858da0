"""The process pool: exact budget shares, the first jackpot stops every worker, the
parent keeps the best seed any worker reports, and workers' failures reach the parent."""

import hashlib

import pytest

from patterns.engine import GrindProgress, PatternSpec, RegexTimeout, grind_parallel, max_workers
from patterns.engine.grind import candidate_from_seed
from patterns.engine.pattern import _compile
from patterns.engine.pool import _Pool
from tests.patterns.test_grind import SLOW_REGEX, assert_consistent, compiled


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
    pool = _Pool(pattern)
    for worker, seed in enumerate(seeds):
        pool.receive(("progress", worker % 2, 10, seed))
    best_rank = max(candidate_from_seed(pattern, s).rank for s in seeds)
    assert pool.best.rank == best_rank
    assert pool.keys_tried == 20


def test_a_failing_worker_is_reported_as_an_error():
    pool = _Pool(compiled("ab"))
    with pytest.raises(RuntimeError, match="boom"):
        pool.receive(("error", 1, "ValueError: boom", None))


def test_a_worker_timing_out_raises_the_engine_timeout_in_the_parent():
    with pytest.raises(RegexTimeout, match="too slow to search"):
        grind_parallel(_compile(PatternSpec(SLOW_REGEX, mode="regex")), workers=2, budget=100)


@pytest.mark.parametrize("workers", [-1, max_workers() + 1])
def test_parallel_refuses_a_worker_count_out_of_range(workers):
    with pytest.raises(ValueError, match="workers must be between 1 and"):
        grind_parallel(compiled("ab"), workers=workers, budget=10)
