"""The one place application errors become HTTP responses.

``install_api_handlers`` registers django-ninja exception handlers that answer every
error under /api/ and /auth/ in PRODUCT.md §9's shape; ``ApplicationErrorMiddleware``
renders the same errors raised by a page view as an error page with the same status.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.core.signals import got_request_exception
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from .api import CODES_BY_STATUS
from .exceptions import ApplicationError

log = logging.getLogger("django.request")

API_PREFIXES = ("/api/", "/auth/")
FALLBACK_MESSAGES = {404: "No such endpoint.", 405: "This endpoint does not take that method."}


def error_json(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JsonResponse:
    response = JsonResponse({"error": code, "message": message}, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def application_error_json(exc: ApplicationError) -> JsonResponse:
    return error_json(exc.status, exc.code, exc.message, exc.headers)


def describe_validation_error(exc: ValidationError) -> str:
    first = exc.errors[0] if exc.errors else {}
    location = ".".join(str(part) for part in first.get("loc", ())[1:] if part != "payload")
    detail = first.get("msg", "invalid input")
    return f"{location}: {detail}" if location else detail


def http_error_json(exc: HttpError) -> JsonResponse:
    """ninja's HttpError; one raised from an ApplicationError (ninja wraps what the body
    parser raises in a 400) answers as that error."""
    if isinstance(exc.__cause__, ApplicationError):
        return application_error_json(exc.__cause__)
    return error_json(exc.status_code, CODES_BY_STATUS.get(exc.status_code, "error"), str(exc))


def install_api_handlers(api: NinjaAPI) -> None:
    """Map every error an operation can raise to §9's JSON error."""
    handlers: dict[type[Exception], Callable[[Exception], JsonResponse]] = {
        ApplicationError: application_error_json,
        ValidationError: lambda exc: error_json(400, "bad_request", describe_validation_error(exc)),
        AuthenticationError: lambda exc: error_json(401, "not_authenticated", "Log in or send a valid bearer token."),
        HttpError: http_error_json,
        Http404: lambda exc: error_json(404, "not_found", "Not found."),
        PermissionDenied: lambda exc: error_json(403, "forbidden", str(exc) or "Forbidden."),
    }
    for exc_class, to_response in handlers.items():
        api.add_exception_handler(exc_class, lambda request, exc, to_response=to_response: to_response(exc))
    api.add_exception_handler(Exception, server_error_json)


def server_error_json(request: HttpRequest, exc: Exception) -> JsonResponse:
    """Anything else an operation raises: logged with its traceback and signalled as Django
    does for a page (so the test client re-raises it), answered with a 500 in §9's shape
    that says nothing about it."""
    log.error("Internal Server Error: %s", request.path, exc_info=exc, extra={"status_code": 500})
    got_request_exception.send(sender=None, request=request)
    return error_json(500, "server_error", "Something went wrong on our side; it was logged.")


class ApplicationErrorMiddleware:
    """Pages: an ApplicationError from a view is an error page with its status. API
    paths: whatever Django answers before the API sees the request (unknown path, wrong
    method) leaves in §9's JSON shape too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.path.startswith(API_PREFIXES)
            and 400 <= response.status_code < 500
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            status = response.status_code
            message = FALLBACK_MESSAGES.get(status, "The request was refused.")
            # A 405 keeps its Allow header; a 429 its Retry-After.
            kept = {name: response[name] for name in ("Allow", "Retry-After") if response.has_header(name)}
            return error_json(status, CODES_BY_STATUS.get(status, "error"), message, kept)
        if response.status_code == 404 and getattr(request, "resolver_match", None) is None:
            # No URL matched: our own 404 page, in DEBUG too (not Django's URLconf listing).
            return render(request, "404.html", status=404)
        return response

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if not isinstance(exc, ApplicationError):
            return None
        if request.path.startswith(API_PREFIXES):
            return application_error_json(exc)
        response = render(request, "error.html", {"error": exc}, status=exc.status)
        for name, value in exc.headers.items():
            response[name] = value
        return response
