"""JSON for tokens: the caller's balance and ledger (PRODUCT.md §9). Always the caller's own."""
import datetime as dt

from django.http import HttpRequest
from ninja import Query, Router, Schema

from vanikeys_site.api import PageQuery, paginate

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


@router.get("balance", response=BalanceOut)
def balance(request: HttpRequest):
    summary = selectors.wallet_summary(request.auth)
    return {"balance": summary.balance, "free_pulls_left": summary.free_pulls_left}


@router.get("transactions", response=TransactionsOut)
def transactions(request: HttpRequest, query: Query[PageQuery]):
    return paginate(selectors.transactions(request.auth), query)
