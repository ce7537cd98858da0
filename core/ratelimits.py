"""Rate limits through django-ratelimit: counters on the shared cache (Redis in
production, where ``add`` + ``incr`` are atomic across every web process; the embedded
default's file cache is per machine and good enough for one developer).

One rule per use (``group``): typing odds never uses up log-in attempts. Who is counted
is the logged-in user, else the client address, read ``NUM_PROXIES`` hops back in
X-Forwarded-For (0: the socket's own address, so the header cannot be forged).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import get_usage

from .exceptions import RateLimited


def client_address(request: HttpRequest) -> str:
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    proxies = settings.NUM_PROXIES
    if proxies == 0 or not forwarded:
        return request.META.get("REMOTE_ADDR", "")
    hops = [hop.strip() for hop in forwarded.split(",")]
    return hops[-min(proxies, len(hops))]


def client_key(group: str, request: HttpRequest) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"ip:{client_address(request)}"


def address_key(group: str, request: HttpRequest) -> str:
    return f"ip:{client_address(request)}"


def rate_limit(
    request: HttpRequest, *, group: str, rate: str, per_address: bool = False, what: str = "requests"
) -> None:
    """Count one use of ``group`` by this client; RateLimited (429, Retry-After) once the
    window's allowance is used up, saying ``what`` was limited. ``per_address`` counts by
    address even when logged in."""
    if not settings.THROTTLE_ENABLED:
        return
    key = address_key if per_address else client_key
    usage = get_usage(request, group=group, key=key, rate=rate, increment=True)
    if usage is not None and usage["should_limit"]:
        wait = max(1, usage["time_left"])
        raise RateLimited(f"Too many {what} (limit {rate}); try again in {wait} s.", retry_after=wait)
