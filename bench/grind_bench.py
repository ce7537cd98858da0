"""The grinding benchmark of ``manage.py bench``, without Django.

    .venv/bin/python -m bench.grind_bench [--seconds S] [--format F] [--workers N] [--json]

(run from the repository root).

Prints keys/s of the grinder in one process and on all cores, and the ratio of the
one-process rate to the baseline (the raw rate of nacl.bindings.crypto_sign_seed_keypair
over pre-generated seeds), all measured in the same run.
"""

from __future__ import annotations

import argparse
import json

from patterns.engine import FORMATS, bench_pattern, benchmark


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--format", default="did:key", choices=list(FORMATS))
    parser.add_argument("--workers", type=int)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    figures = benchmark(bench_pattern(args.format), args.seconds, args.workers)
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        for name, value in figures.items():
            print(f"{name:<24}{value}")


if __name__ == "__main__":
    main()
