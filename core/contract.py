"""What the API promises beyond its routes: bodies are JSON objects, and the OpenAPI schema
documents every error an operation can answer with, in PRODUCT.md §9's shape.

``ContractAPI`` is django-ninja's ``NinjaAPI`` with two changes:

- its parser refuses a JSON body that is not an object (``123``, ``"x"``, ``null``,
  ``[5]``): without that, ninja would read such a body as "no fields given" and an
  operation whose fields are all optional would run with its defaults;
- its schema adds, to every operation, the 4xx answers the shared machinery can give
  (400 for bad parameters or body, 401 and the session's CSRF 403 where it needs a log-in,
  404 where it takes an id, 413 and 415 where it takes a body: ``core.middleware``) plus
  the domain answers its router declares in ``errors`` (operation id → statuses), each
  with the ``ErrorOut`` schema.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.parser import Parser

from .api import CODES_BY_STATUS, ErrorOut
from .exceptions import ApplicationError, BadRequest

JSON_TYPES = ("application/json", "application/merge-patch+json")

DESCRIPTIONS = {
    400: "Bad input: a parameter or the body is not what this operation takes.",
    401: "Not logged in: no valid bearer token or session.",
    402: "Not enough tokens or free pulls, or past a spending limit.",
    403: "A session call without its CSRF token.",
    404: "Not found, or not yours.",
    409: "Conflict with the current state.",
    413: "The request body is too large.",
    415: "The body is not JSON.",
    422: "Valid, but impossible (a pattern that can never match, an infeasible job).",
    429: "Rate limited or locked out; see Retry-After.",
    503: "A service this operation needs is unavailable.",
}
UNSAFE = frozenset({"post", "put", "patch", "delete"})


class UnsupportedMediaType(ApplicationError):
    status, code = 415, "unsupported_media_type"


class JsonObjectParser(Parser):
    """Bodies are JSON objects sent as JSON. Refusals are ApplicationErrors: ninja wraps what
    a parser raises in a 400 HttpError, whose handler (core.handlers) answers with the
    ApplicationError it was raised from."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        if request.content_type not in JSON_TYPES:
            # A foreign page can post text/plain or a form without a CORS preflight; JSON it cannot.
            raise UnsupportedMediaType("Send the body as JSON (Content-Type: application/json).")
        try:
            data = json.loads(request.body)
        except ValueError as exc:
            raise BadRequest(f"The body is not valid JSON: {exc}.") from None
        if not isinstance(data, dict):
            raise BadRequest("The body must be a JSON object.")
        return data


def error_statuses(method: str, operation: Mapping[str, Any], extra: Iterable[int] = ()) -> set[int]:
    statuses = set(extra)
    parameters = operation.get("parameters") or []
    has_body = "requestBody" in operation
    if parameters or has_body:
        statuses.add(400)
    if operation.get("security"):
        statuses.add(401)
        if method in UNSAFE:
            statuses.add(403)
    if any(parameter.get("in") == "path" for parameter in parameters):
        statuses.add(404)
    if has_body:
        statuses |= {413, 415}
    return statuses


class ContractAPI(NinjaAPI):
    def __init__(self, *args: Any, errors: Mapping[str, Iterable[int]] | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("parser", JsonObjectParser())
        super().__init__(*args, **kwargs)
        self.errors = {operation_id: set(statuses) for operation_id, statuses in (errors or {}).items()}

    def get_openapi_schema(self, *args: Any, **kwargs: Any):
        schema = super().get_openapi_schema(*args, **kwargs)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["ErrorOut"] = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
        reference = {"$ref": "#/components/schemas/ErrorOut"}
        for path_item in schema["paths"].values():
            for method, operation in path_item.items():
                extra = self.errors.get(operation.get("operationId", ""), ())
                responses = operation.setdefault("responses", {})
                for status in sorted(error_statuses(method, operation, extra)):
                    if str(status) in responses:
                        continue
                    responses.setdefault(
                        status,  # ninja keys its own responses by int
                        {
                            "description": DESCRIPTIONS.get(status, CODES_BY_STATUS.get(status, "Error")),
                            "content": {"application/json": {"schema": reference}},
                        },
                    )
        return schema
