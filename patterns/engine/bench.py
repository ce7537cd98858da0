"""The grinding benchmark: keys/s of the grinder against the raw keygen rate, one run.

``benchmark`` is what ``manage.py bench`` and ``python -m bench.grind_bench`` print.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from nacl.bindings import crypto_sign_seed_keypair

from .grind import grind
from .keys import SEED_LENGTH
from .pattern import CompiledPattern, PatternSpec, compile_pattern
from .pool import grind_parallel

BENCH_PATTERN = "vani key"  # case-insensitive, so that it is valid in every format
BASELINE = "nacl.bindings.crypto_sign_seed_keypair over pre-generated seeds (libsodium via PyNaCl), one process"


def bench_pattern(format_name: str) -> CompiledPattern:
    """The compiled pattern ``bench`` grinds for (a typical two-part pull)."""
    return compile_pattern(PatternSpec(BENCH_PATTERN, format_name, case_insensitive=True))


def baseline_rate(seconds: float) -> float:
    """Keys per second of the fastest installed Ed25519 binding called the ordinary way."""
    seeds = [os.urandom(SEED_LENGTH) for _ in range(4096)]
    keypair = crypto_sign_seed_keypair
    done = 0
    started = time.perf_counter()
    deadline = started + seconds
    while time.perf_counter() < deadline:
        for seed in seeds:
            keypair(seed)
        done += len(seeds)
    return done / (time.perf_counter() - started)


def _for(seconds: float) -> Callable[[], bool]:
    deadline = time.perf_counter() + seconds
    return lambda: time.perf_counter() >= deadline


def benchmark(
    compiled: CompiledPattern,
    seconds: float = 3.0,
    workers: int | None = None,
    rounds: int = 3,
    on_stage: Callable[[str], None] | None = None,
) -> dict:
    """Grinding rates against the baseline, measured in this run.

    The baseline and the single-process grinder alternate ``rounds`` times (each round
    gets ``seconds / rounds``) and the best of each is kept, so that load from other
    programs hits both alike; then all cores grind for ``seconds``. ``on_stage`` hears
    what is being measured, for a progress line.
    """
    workers = workers or os.cpu_count() or 1
    share = seconds / rounds
    say = on_stage or (lambda stage: None)
    baseline = one = 0.0
    for round_number in range(1, rounds + 1):
        say(f"round {round_number}/{rounds}: baseline keygen")
        baseline = max(baseline, baseline_rate(share))
        say(f"round {round_number}/{rounds}: grinder, one process")
        one = max(one, grind(compiled, should_stop=_for(share)).keys_per_second)
    say(f"grinder on {workers} processes")
    everyone = grind_parallel(compiled, workers=workers, should_stop=_for(seconds)).keys_per_second
    return {
        "format": compiled.format.name,
        "pattern": compiled.spec.pattern,
        "workers": workers,
        "seconds": seconds,
        "keys_per_s_one_process": round(one),
        "keys_per_s_all_cores": round(everyone),
        "baseline_keys_per_s": round(baseline),
        "baseline": BASELINE,
        "ratio": round(one / baseline, 3),
        "scaling_all_cores": round(everyone / one, 3),
    }
