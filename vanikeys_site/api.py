"""The one JSON API: routers from each app, PRODUCT.md §9's error shape, OpenAPI docs.

Every error leaves as ``{"error": "<code>", "message": "<one line>"}`` with a 4xx status.
"""
import math
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.throttling import AnonRateThrottle, AuthRateThrottle
from pydantic import Field

from accounts.auth import BearerAuth, SessionCsrfAuth

CODES_BY_STATUS = {
    400: "bad_request",
    401: "not_authenticated",
    402: "payment_required",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    422: "unprocessable",
    429: "rate_limited",
}


class ApiError(Exception):
    """Raised by API handlers and services for any 4xx the caller should see."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def throttles(rate: str, scope: str) -> list:
    """Per-user (or per-IP when anonymous) throttles, unless throttling is turned off.

    Each use gets its own scope, so typing in the odds form never uses up log-in attempts.
    """
    if not settings.THROTTLE_ENABLED:
        return []
    limits = [AnonRateThrottle(rate), AuthRateThrottle(rate)]
    for throttle in limits:
        throttle.scope = f"{scope}-{throttle.scope}"
    return limits


class PageQuery(Schema):
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(20, ge=1, le=100)


def paginate(items: QuerySet, query: PageQuery, serialize: Callable = lambda item: item) -> dict:
    """One page of ``items`` as ``{items, count, page, pages}``; a page past the end is a 400."""
    count = items.count()
    pages = max(1, math.ceil(count / query.page_size))
    if query.page > pages:
        raise ApiError(400, "bad_request", f"page: {query.page} is past the last page, {pages}.")
    start = (query.page - 1) * query.page_size
    page_items = [serialize(item) for item in items[start : start + query.page_size]]
    return {"items": page_items, "count": count, "page": query.page, "pages": pages}


api = NinjaAPI(
    title="VaniKeys API",
    version="1",
    description="Vanity Ed25519 keys: patterns, odds, pulls, guaranteed jobs, tokens.",
    openapi_url="api/openapi.json",
    docs_url="api/docs",
    urls_namespace="api",
    auth=[BearerAuth(), SessionCsrfAuth()],
)


def error_response(request: HttpRequest, status: int, code: str, message: str) -> HttpResponse:
    return api.create_response(request, {"error": code, "message": message}, status=status)


def describe_validation_error(exc: ValidationError) -> str:
    first = exc.errors[0] if exc.errors else {}
    location = ".".join(str(part) for part in first.get("loc", ())[1:] if part != "payload")
    detail = first.get("msg", "invalid input")
    return f"{location}: {detail}" if location else detail


@api.exception_handler(ApiError)
def on_api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return error_response(request, exc.status, exc.code, exc.message)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return error_response(request, 400, "bad_request", describe_validation_error(exc))


@api.exception_handler(AuthenticationError)
def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(request, 401, "not_authenticated", "Log in or send a valid bearer token.")


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code = CODES_BY_STATUS.get(exc.status_code, "error")
    return error_response(request, exc.status_code, code, str(exc))


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(request, 404, "not_found", "Not found.")


@api.exception_handler(PermissionDenied)
def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return error_response(request, 403, "forbidden", str(exc) or "Forbidden.")


def register_routers() -> None:
    from accounts.api import router as auth_router
    from economy.api import router as tokens_router
    from patterns.api import router as patterns_router
    from pulls.api import router as pulls_router

    api.add_router("auth/", auth_router)
    api.add_router("api/tokens/", tokens_router)
    api.add_router("api/patterns/", patterns_router)
    api.add_router("api/pulls/", pulls_router)


register_routers()
