"""Benchmarks, run as modules from the repository root: ``python -m bench.grind_bench``."""
