"""Reads for patterns: validation and odds priced with this deployment's settings."""
import statistics

from django.conf import settings
from django.core.cache import cache

from patterns import engine
from patterns.engine import CompiledPattern, PatternError, PatternIssue, PatternSpec, RegexTimeout, compile_pattern
from patterns.exceptions import InvalidPattern
from patterns.presenters import estimate_json

WORKER_RATE_CACHE_KEY = "grind:worker_rate_samples"
DEFAULT_KEYS_PER_SECOND_PER_WORKER = 50_000


def compile_or_raise(spec: PatternSpec) -> CompiledPattern:
    try:
        return compile_pattern(spec)
    except PatternError as exc:
        raise InvalidPattern(list(exc.issues)) from exc


def worker_keys_per_second() -> float:
    """One worker's grinding rate: the median of recent pulls' (robust to one odd pull),
    else a typical figure."""
    samples = cache.get(WORKER_RATE_CACHE_KEY)
    return statistics.median(samples) if samples else DEFAULT_KEYS_PER_SECOND_PER_WORKER


def pool_keys_per_second() -> float:
    """The grinding rate of the worker pool: a worker's measured rate times the workers."""
    return worker_keys_per_second() * settings.GRIND_POOL_WORKERS


def smallest_pack_name() -> str:
    """The pack whose price per token the odds quote in dollars."""
    return min(settings.TOKEN_PACKS.items(), key=lambda item: item[1]["tokens"])[0].capitalize()


def dollars_per_token() -> float:
    """The price of a token in the smallest pack (what a newcomer pays), for 'expected
    dollars' figures: never cheaper than what the user can actually buy first."""
    smallest = min(settings.TOKEN_PACKS.values(), key=lambda pack: pack["tokens"])
    return smallest["price_cents"] / 100 / smallest["tokens"]


def estimate(spec: PatternSpec, budget: int | None = None) -> dict:
    """The odds JSON of PRODUCT.md §4/§9 for this deployment's pull budget and prices;
    a regex too slow to sample is refused like one that fails validation."""
    compiled = compile_or_raise(spec)
    try:
        return estimate_json(engine.estimate(
            compiled,
            budget=budget or settings.PULL_BUDGET_KEYS,
            keys_per_second=pool_keys_per_second(),
            pull_cost_tokens=settings.PULL_COST_TOKENS,
            dollars_per_token=dollars_per_token(),
        ))
    except RegexTimeout as exc:
        raise InvalidPattern([PatternIssue("too_slow", str(exc))]) from exc
