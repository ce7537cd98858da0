"""Writes for patterns: the grinding rate that odds and time estimates are based on."""
from django.core.cache import cache

from .selectors import WORKER_RATE_CACHE_KEY

SAMPLES_KEPT = 25  # the median of the latest words-mode pulls' rates
RATE_TTL_SECONDS = 7 * 24 * 3600


def grinding_rate_record(keys_per_second: float) -> None:
    """Keep one worker's measured rate (a finished words-mode pull) among the latest ones."""
    if keys_per_second <= 0:
        return
    samples = (cache.get(WORKER_RATE_CACHE_KEY) or [])[-(SAMPLES_KEPT - 1):]
    cache.set(WORKER_RATE_CACHE_KEY, [*samples, keys_per_second], timeout=RATE_TTL_SECONDS)
