"""Helpers the API routers share: the §9 error codes, page-number pagination.

A leaf module: routers import it, it imports no router, so any app's ``api`` imports
first without a cycle.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from django.db.models import QuerySet
from ninja import Field, Schema
from ninja.pagination import PaginationBase

from .exceptions import BadRequest

CODES_BY_STATUS = {
    400: "bad_request",
    401: "not_authenticated",
    402: "payment_required",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "unprocessable",
    429: "rate_limited",
    503: "unavailable",
}


class ErrorOut(Schema):
    error: str = Field(examples=["bad_request"])
    message: str = Field(examples=["pattern: must not contain control characters"])


class Mapped(Sequence):
    """A queryset whose items are turned into API dicts only for the page being shown."""

    def __init__(self, items: QuerySet, serialize: Callable[[Any], dict]) -> None:
        self.items = items
        self.serialize = serialize

    def count(self) -> int:  # what the paginator asks
        return self.items.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self.serialize(item) for item in self.items[index]]
        return self.serialize(self.items[index])


class PageQuery(Schema):
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(20, ge=1, le=100)


class Page(Schema):
    items: list[Any]
    count: int
    page: int
    pages: int


class PagePagination(PaginationBase):
    """``?page=&page_size=`` → ``{items, count, page, pages}``; a page past the end is a 400."""

    Input = PageQuery
    Output = Page

    def paginate_queryset(self, queryset, pagination: PageQuery, **params) -> dict:
        count = queryset.count()
        pages = max(1, math.ceil(count / pagination.page_size))
        if pagination.page > pages:
            raise BadRequest(f"page: {pagination.page} is past the last page, {pages}.")
        start = (pagination.page - 1) * pagination.page_size
        items = list(queryset[start : start + pagination.page_size])
        return {"items": items, "count": count, "page": pagination.page, "pages": pages}
