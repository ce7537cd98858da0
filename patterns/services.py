"""Writes for patterns: the grinding rate that odds and time estimates are based on."""
from django.core.cache import cache

from .selectors import WORKER_RATE_CACHE_KEY, worker_keys_per_second

SMOOTHING = 0.2  # weight of the newest measurement in the moving average
RATE_TTL_SECONDS = 7 * 24 * 3600


def record_grinding_rate(keys_per_second: float) -> float:
    """Fold one worker's measured rate (a finished pull) into the moving average."""
    if keys_per_second <= 0:
        return worker_keys_per_second()
    previous = cache.get(WORKER_RATE_CACHE_KEY)
    rate = keys_per_second if previous is None else (1 - SMOOTHING) * previous + SMOOTHING * keys_per_second
    cache.set(WORKER_RATE_CACHE_KEY, rate, timeout=RATE_TTL_SECONDS)
    return rate
