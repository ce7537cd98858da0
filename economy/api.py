"""JSON for tokens: the caller's balance and ledger (PRODUCT.md §9). Always the caller's own."""
import datetime as dt
from uuid import UUID

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate
from pydantic import Field, StrictInt

from core.api import PagePagination

from . import selectors, services

router = Router(tags=["tokens"])


class BalanceOut(Schema):
    balance: int
    free_pulls_left: int


class EntryOut(Schema):
    id: UUID = Field(description="The entry's public id (the integer key stays inside).")
    kind: str
    amount: int
    balance_after: int
    reference: str
    created_at: dt.datetime

    @staticmethod
    def resolve_id(entry) -> UUID:
        return entry.public_id


LIMIT_RANGE = {"ge": 0, "le": services.MAX_TOKENS_PER_OPERATION}


class LimitsIn(Schema):
    tokens_per_day: StrictInt | None = Field(None, **LIMIT_RANGE, description="None: no daily limit.")
    tokens_per_month: StrictInt | None = Field(None, **LIMIT_RANGE, description="None: no monthly limit.")


class LimitsOut(LimitsIn):
    spent_today: int
    spent_this_month: int


@router.get("balance", response=BalanceOut)
def balance(request: HttpRequest):
    summary = selectors.wallet_summary(request.auth)
    return {"balance": summary.balance, "free_pulls_left": summary.free_pulls_left}


@router.get("transactions", response=list[EntryOut])
@paginate(PagePagination)
def transactions(request: HttpRequest):
    return selectors.transactions(request.auth)


@router.get("limits", response=LimitsOut)
def limits(request: HttpRequest):
    return selectors.spending_limits(request.auth)


@router.put("limits", response=LimitsOut)
def set_limits(request: HttpRequest, payload: LimitsIn):
    services.wallet_set_limits(request.auth, per_day=payload.tokens_per_day, per_month=payload.tokens_per_month)
    return selectors.spending_limits(request.auth)
