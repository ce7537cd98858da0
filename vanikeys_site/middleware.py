"""Keeps every error under /api/ and /auth/ in the JSON shape of PRODUCT.md §9, including
the ones Django answers before the API sees the request (unknown path, wrong method)."""
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

from .api import CODES_BY_STATUS

API_PREFIXES = ("/api/", "/auth/")
MESSAGES = {404: "No such endpoint.", 405: "This endpoint does not take that method."}


class JsonApiErrorsMiddleware:
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
            message = MESSAGES.get(status, "The request was refused.")
            return JsonResponse({"error": CODES_BY_STATUS.get(status, "error"), "message": message}, status=status)
        return response
