"""Odds speed (PRODUCT.md §4, §11): an 8-part estimate, per format, against the 50 ms
budget that lets odds follow typing. Caches are cleared before every timed run, so each
figure includes validation, compiling and the exact dynamic programme.

    .venv/bin/python -m bench.odds_bench [--runs 10]

(run from the repository root). The caches it clears are the engine's internals.
"""
import argparse
import statistics
import time

from patterns.engine import FORMATS, PatternSpec, estimate
from patterns.engine import odds as odds_module
from patterns.engine import pattern as pattern_module

BUDGET_MS = 50.0
WORDS = "GO BE AWE SOME FOO BAR BAZ QUX"


def timed_estimate(spec: PatternSpec) -> float:
    odds_module.exact_odds.cache_clear()
    pattern_module._compile.cache_clear()
    started = time.perf_counter()
    estimate(spec, budget=100_000, keys_per_second=1e5, pull_cost_tokens=100, dollars_per_token=0.005)
    return 1000 * (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description="8-part estimate time per format")
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    for name in FORMATS:
        words = WORDS.lower() if name == "onion" else WORDS
        spec = PatternSpec(words, format=name, fuzzy=True, case_insensitive=True)
        timed_estimate(spec)  # builds the format's body model once, as a server process would
        times = [timed_estimate(spec) for _ in range(args.runs)]
        median = statistics.median(times)
        print(f"{name:8} median {median:6.1f} ms  max {max(times):6.1f} ms  ratio to {BUDGET_MS:.0f} ms budget {median / BUDGET_MS:.2f}")


if __name__ == "__main__":
    main()
