"""A fixed-window rate limit on the shared cache (Redis in production), for rules that
apply the same through the API and the pages, such as pulls per user."""
import time

from django.core.cache import cache

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """'60/m' → (60, 60): how many per how many seconds."""
    count, period = rate.split("/")
    return int(count), PERIODS[period[0]]


def allow(key: str, rate: str, now: float | None = None) -> bool:
    """Count one hit against ``key``; False once the window's allowance is used up."""
    limit, seconds = parse_rate(rate)
    window = int((now if now is not None else time.time()) // seconds)
    bucket = f"ratelimit:{key}:{window}"
    cache.add(bucket, 0, timeout=seconds + 1)
    try:
        hits = cache.incr(bucket)
    except ValueError:
        cache.set(bucket, 1, timeout=seconds + 1)
        hits = 1
    return hits <= limit
