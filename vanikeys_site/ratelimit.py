"""A fixed-window rate limit on the shared cache (Redis in production), for rules that
apply the same through the API and the pages, such as pulls per user."""
import time

from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.http import HttpRequest
from ninja.throttling import BaseThrottle

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


def client_key(request: HttpRequest) -> str:
    """Who is asking: the user when logged in, else the client address as the API's
    throttles see it (the same NUM_PROXIES rule)."""
    user: AbstractBaseUser | None = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"ip:{BaseThrottle().get_ident(request)}"
