"""``GET /healthz``: is this web process able to serve? 200 when the database and the Celery
broker answer, else 503 naming which did not (the reason goes to the log, not the answer).

A middleware, first in the chain, so a load balancer or a container health check can call it
on the internal address: no host check, no HTTPS redirect, no session. Written here rather
than with django-health-check: two checks, and that package's broker check needs a live
worker (a Celery ping) while this one asks the broker itself, whatever the transport.
"""
from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import connections
from django.http import HttpRequest, HttpResponse, JsonResponse

log = logging.getLogger(__name__)

PATH = "/healthz"
BROKER_TIMEOUT_SECONDS = 3


def check_database() -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")


def check_broker() -> None:
    from .celery import app

    connection = app.connection_for_write()
    try:
        connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=BROKER_TIMEOUT_SECONDS)
    finally:
        connection.release()


CHECKS: dict[str, Callable[[], None]] = {"database": check_database, "broker": check_broker}


def health() -> tuple[int, dict]:
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception:
            log.exception("health check %s failed", name)
            results[name] = "unavailable"
        else:
            results[name] = "ok"
    failed = [name for name, result in results.items() if result != "ok"]
    body = {"status": "unavailable" if failed else "ok", "checks": results}
    if failed:
        body["failed"] = failed
    return (503 if failed else 200), body


class HealthCheckMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info != PATH or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        status, body = health()
        response = JsonResponse(body, status=status)
        response["Cache-Control"] = "no-store"
        if request.method == "HEAD":
            response.content = b""
        return response
