"""The one application error: services raise it (or a subclass), handlers render it.

``status`` and ``code`` are what PRODUCT.md §9's error shape shows; ``message`` is one
line for a human. Each app subclasses it for the refusals of its own domain, so a caller
can catch what it expects; ``core.handlers`` is the only place that turns any of them
into an HTTP response (JSON for the API, a page for the site).
"""

from __future__ import annotations


class ApplicationError(Exception):
    status: int = 400
    code: str = "bad_request"
    message: str = ""  # a refusal that always says the same names it here and is raised bare

    def __init__(self, message: str | None = None, *, code: str | None = None, status: int | None = None,
                 headers: dict[str, str] | None = None) -> None:
        message = message or self.message
        if not message:
            raise TypeError(f"{type(self).__name__} needs a message for a human")
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.headers = headers or {}

    def as_dict(self) -> dict[str, str]:
        return {"error": self.code, "message": self.message}


class BadRequest(ApplicationError):
    status, code = 400, "bad_request"


class NotFound(ApplicationError):
    """Missing, or someone else's: both are 404, so ids reveal nothing."""

    status, code = 404, "not_found"


class Conflict(ApplicationError):
    status, code = 409, "conflict"


class RateLimited(ApplicationError):
    status, code = 429, "rate_limited"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, headers={"Retry-After": str(max(1, retry_after))})
        self.retry_after = retry_after


class ServiceUnavailable(ApplicationError):
    status, code = 503, "unavailable"
