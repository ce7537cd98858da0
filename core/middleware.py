"""Request guards that run before any view: what no endpoint should ever have to handle.

``RequestIdMiddleware`` gives every request an id (taken from a trusted proxy's
``X-Request-ID`` when it is well formed, else a new one), echoes it in the response and
hands it to the logs. ``RequestGuardMiddleware`` answers, before sessions, CSRF or a view
touch the request:

- a NUL or a lone surrogate in the path (404) or the query string (400): the database
  refuses NUL, so such a value must never reach a lookup;
- a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (413), as §9 JSON on API paths and a plain
  error page elsewhere, never Django's debug traceback;
- ``HEAD`` wherever ``GET`` works: the request runs as a GET and the body is dropped.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from .exceptions import ApplicationError
from .handlers import API_PREFIXES, error_json
from .logs import request_id_var

REQUEST_ID_HEADER = "X-Request-ID"
WELL_FORMED_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _bad_char(char: str) -> bool:
    return char == "\x00" or "\ud800" <= char <= "\udfff"


def has_bad_characters(value: str) -> bool:
    return any(_bad_char(char) for char in value)


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        offered = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = offered if WELL_FORMED_ID.match(offered) else uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response[REQUEST_ID_HEADER] = request_id
        return response


class Refusal(ApplicationError):
    """What the guard answers with; rendered here, before the usual handlers run."""


class RequestGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        head = request.method == "HEAD"
        if head:
            request.method = "GET"
        try:
            self.check(request)
        except Refusal as refusal:
            response = self.refuse(request, refusal)
        else:
            response = self.get_response(request)
        if head:
            drop_body(response)
        return response

    def check(self, request: HttpRequest) -> None:
        if has_bad_characters(request.path):
            raise Refusal("No such page.", status=404, code="not_found")
        if any(
            has_bad_characters(key) or any(has_bad_characters(value) for value in values)
            for key, values in request.GET.lists()
        ):
            raise Refusal("The query string holds a character no field accepts (NUL or a lone surrogate).")
        # A cookie value with NUL is as good as no cookie (a session or CSRF lookup would fail).
        if any("\x00" in name or "\x00" in value for name, value in request.COOKIES.items()):
            request.COOKIES = {k: v for k, v in request.COOKIES.items() if "\x00" not in k and "\x00" not in v}
        if request.method not in UNSAFE_METHODS:
            return
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            raise Refusal("Content-Length is not a number.") from None
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and length > limit:
            raise Refusal(f"The request body is over the {limit}-byte limit.", status=413, code="too_large")
        if request.path.startswith(API_PREFIXES):
            try:
                request.body  # noqa: B018  (read here, once: a body sent without a length too)
            except RequestDataTooBig:
                raise Refusal(f"The request body is over the {limit}-byte limit.", status=413,
                              code="too_large") from None

    @staticmethod
    def refuse(request: HttpRequest, refusal: Refusal) -> HttpResponse:
        if request.path.startswith(API_PREFIXES):
            return error_json(refusal.status, refusal.code, refusal.message)
        # A plain page: no template context that would need the session or the database.
        html = render_to_string("error_plain.html", {"status": refusal.status, "message": refusal.message})
        return HttpResponse(html, status=refusal.status)


def drop_body(response: HttpResponse) -> None:
    """A HEAD answer is the GET answer's status and headers, without its body."""
    if getattr(response, "streaming", False):
        response.streaming_content = []
        return
    length = len(response.content)
    response.content = b""
    response["Content-Length"] = str(length)
