"""The grinding benchmark: keys/s of the grinder against the raw keygen rate, one run.

``benchmark`` is what ``manage.py bench`` and ``python -m bench.grind_bench`` print: the
path that grinds (``native`` or ``python``), keys/s in seed mode in one process and on
all cores, the raw PyNaCl baseline measured in the same run and the ratio; for onion
where the native core runs, also the expanded-key rate and its ratio to that baseline.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from nacl.bindings import crypto_sign_seed_keypair

from . import native
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

    The baseline and the single-process grinder (seed mode, and for onion with the
    native core also expanded-key mode) alternate ``rounds`` times (each round gets
    ``seconds / rounds``) and the best of each is kept, so that load from other programs
    hits all alike; then all cores grind for ``seconds`` in each mode. ``on_stage``
    hears what is being measured, for a progress line.
    """
    workers = workers or os.cpu_count() or 1
    share = seconds / rounds
    say = on_stage or (lambda stage: None)
    modes = ["seed"] + (["expanded"] if compiled.format.name == "onion" and native.available() else [])
    baseline, one = 0.0, dict.fromkeys(modes, 0.0)
    for round_number in range(1, rounds + 1):
        say(f"round {round_number}/{rounds}: baseline keygen")
        baseline = max(baseline, baseline_rate(share))
        for mode in modes:
            say(f"round {round_number}/{rounds}: grinder, one process, {mode} mode")
            one[mode] = max(one[mode], grind(compiled, should_stop=_for(share), key_mode=mode).keys_per_second)
    everyone = {}
    for mode in modes:
        say(f"grinder on {workers} processes, {mode} mode")
        everyone[mode] = grind_parallel(compiled, workers=workers, should_stop=_for(seconds),
                                        key_mode=mode).keys_per_second
    figures = {
        "format": compiled.format.name,
        "pattern": compiled.spec.pattern,
        "path": native.path(),
        "engine": native.status(),
        "workers": workers,
        "seconds": seconds,
        "keys_per_s_one_process": round(one["seed"]),
        "keys_per_s_all_cores": round(everyone["seed"]),
        "baseline_keys_per_s": round(baseline),
        "baseline": BASELINE,
        "ratio": round(one["seed"] / baseline, 3),
        "scaling_all_cores": round(everyone["seed"] / one["seed"], 3),
    }
    if "expanded" in modes:
        figures.update({
            "expanded_keys_per_s_one_process": round(one["expanded"]),
            "expanded_keys_per_s_all_cores": round(everyone["expanded"]),
            "expanded_ratio": round(one["expanded"] / baseline, 3),
            "expanded_scaling_all_cores": round(everyone["expanded"] / one["expanded"], 3),
        })
    return figures
