"""JSON for tokens: the caller's balance and ledger (PRODUCT.md §9). Always the caller's own."""
import datetime as dt
import math

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from vanikeys_site.api import ApiError

from . import selectors

router = Router(tags=["tokens"])


class BalanceOut(Schema):
    balance: int
    free_pulls_left: int


class EntryOut(Schema):
    id: int
    kind: str
    amount: int
    balance_after: int
    reference: str
    created_at: dt.datetime


class TransactionsOut(Schema):
    items: list[EntryOut]
    count: int
    page: int
    pages: int


class PageIn(Schema):
    page: int = Field(1, ge=1)
    page_size: int = Field(20, ge=1, le=100)


@router.get("balance", response=BalanceOut)
def balance(request: HttpRequest):
    summary = selectors.wallet_summary(request.auth)
    return {"balance": summary.balance, "free_pulls_left": summary.free_pulls_left}


@router.get("transactions", response=TransactionsOut)
def transactions(request: HttpRequest, query: Query[PageIn]):
    entries = selectors.transactions(request.auth)
    count = entries.count()
    pages = max(1, math.ceil(count / query.page_size))
    if query.page > pages:
        raise ApiError(400, "bad_request", f"page: {query.page} is past the last page, {pages}.")
    start = (query.page - 1) * query.page_size
    items = entries[start : start + query.page_size]
    return {"items": list(items), "count": count, "page": query.page, "pages": pages}
