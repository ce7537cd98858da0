"""Reads for tokens: balance, free pulls, history, and what a user has spent lately.

Days and months are UTC calendar days and months: free pulls reset at 00:00 UTC and
spending limits count from the start of the UTC day / month.
"""
import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from .exceptions import EconomyError, InsufficientTokens, SpendingLimitExceeded
from .models import LedgerEntry, Wallet

# Kinds whose entries count as spending (for limits); their refunds give spending back.
SPENDING_KINDS = (LedgerEntry.Kind.PULL, LedgerEntry.Kind.JOB)
# Entries a refund can give back: what a pull or job took, including a free pull.
REFUNDABLE_KINDS = (*SPENDING_KINDS, LedgerEntry.Kind.FREE)
REFUND_KEY_PREFIX = "refund:entry:"


@dataclass(frozen=True)
class WalletSummary:
    balance: int
    free_pulls_left: int


@dataclass(frozen=True)
class SpendingLimits:
    tokens_per_day: int | None
    tokens_per_month: int | None
    spent_today: int
    spent_this_month: int


def utc_now() -> dt.datetime:
    return timezone.now().astimezone(dt.UTC)


def utc_day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(dt.UTC).date()


def start_of_day(now: dt.datetime) -> dt.datetime:
    return now.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def start_of_month(now: dt.datetime) -> dt.datetime:
    return start_of_day(now).replace(day=1)


def free_pulls_left_in(wallet: Wallet | None, today: dt.date) -> int:
    """Free pulls left on ``today`` (UTC); a counter from an earlier day counts as zero used."""
    used = wallet.free_pulls_used if wallet is not None and wallet.free_pulls_used_on == today else 0
    return max(0, settings.FREE_PULLS_PER_DAY - used)


def wallet_summary(user: AbstractBaseUser) -> WalletSummary:
    """Balance and free pulls left in one query (a user without a wallet has 0 tokens)."""
    wallet = Wallet.objects.filter(user=user).first()
    return WalletSummary(
        balance=wallet.balance if wallet is not None else 0,
        free_pulls_left=free_pulls_left_in(wallet, utc_now().date()),
    )


@dataclass(frozen=True)
class PullAffordability:
    refusal: str | None  # why one pull would be refused now (None: it would not)
    multi_refusal: str | None  # the same for a multi-pull

    @property
    def can_pull(self) -> bool:
        return self.refusal is None

    @property
    def can_multi_pull(self) -> bool:
        return self.multi_refusal is None


def pull_affordability(user: AbstractBaseUser, *, multi: int) -> PullAffordability:
    """Whether the user can pay for one pull (a free one, or its tokens) and for a
    ``multi``-pull (always tokens), as ``wallet_pay_pulls`` would decide today: the same
    ``debit_check``, so a spending limit disables the buttons as it would refuse the pull."""
    wallet = Wallet.objects.filter(user=user).first()
    cost = settings.PULL_COST_TOKENS
    free_left = free_pulls_left_in(wallet, utc_now().date())
    return PullAffordability(
        refusal=None if free_left > 0 else _debit_refusal(wallet, amount=cost),
        multi_refusal=_debit_refusal(wallet, amount=multi * cost),
    )


def _debit_refusal(wallet: Wallet | None, *, amount: int) -> str | None:
    try:
        debit_check(wallet, amount=amount, kind=LedgerEntry.Kind.PULL)
    except EconomyError as refused:
        return refused.message
    return None


@dataclass(frozen=True)
class JobAffordability:
    balance: int
    balance_after: int
    enough: bool
    refusal: str | None  # the one-line reason wallet_pay_job would refuse with; None when enough


def job_affordability(user: AbstractBaseUser, *, price_tokens: int) -> JobAffordability:
    """Whether the user can pay ``price_tokens`` for a guaranteed job now, as
    ``wallet_pay_job`` would decide (the same ``debit_check``: their own daily and monthly
    limits, then the balance). A price of 0 (a job paid for otherwise) is always enough."""
    wallet = Wallet.objects.filter(user=user).first()
    tokens = wallet.balance if wallet is not None else 0
    refusal = None
    if price_tokens:
        try:
            debit_check(wallet, amount=price_tokens, kind=LedgerEntry.Kind.JOB)
        except EconomyError as refused:
            refusal = refused.message
    return JobAffordability(
        balance=tokens, balance_after=tokens - price_tokens, enough=refusal is None, refusal=refusal
    )


def debit_check(wallet: Wallet | None, *, amount: int, kind: str) -> None:
    """Refuse a debit of ``amount`` tokens of ``kind`` from ``wallet`` (None: a user with
    no wallet yet, 0 tokens and no limits) as the ledger does: SpendingLimitExceeded when a
    pull or job would pass one of the user's own limits (daily first, then monthly),
    InsufficientTokens when the balance is short. ``economy.services`` calls it holding the
    wallet lock, so what it allows is then applied; outside the lock it is a forecast."""
    if wallet is not None and kind in SPENDING_KINDS:
        now = utc_now()
        for period, limit, since in (
            ("daily", wallet.tokens_per_day, start_of_day(now)),
            ("monthly", wallet.tokens_per_month, start_of_month(now)),
        ):
            if limit is None:
                continue
            spent = spent_since(wallet.user_id, since)
            if spent + amount > limit:
                raise SpendingLimitExceeded(period, limit, spent, amount)
    tokens = wallet.balance if wallet is not None else 0
    if tokens < amount:
        raise InsufficientTokens(amount, tokens)


def balance(user: AbstractBaseUser) -> int:
    return Wallet.objects.filter(user=user).values_list("balance", flat=True).first() or 0


def free_pulls_left(user: AbstractBaseUser) -> int:
    return wallet_summary(user).free_pulls_left


def transactions(user: AbstractBaseUser) -> QuerySet[LedgerEntry]:
    """The user's ledger, newest first."""
    return LedgerEntry.objects.filter(user=user).order_by("-created_at", "-id")


def spent_since(user_id: int, since: dt.datetime) -> int:
    """Tokens spent on pulls and jobs since ``since``, less what has been refunded of
    those spends: a refund counts in the period of the spend it gives back, so a refund
    today of yesterday's spend leaves today's spending as it is."""
    spends = Q(kind__in=SPENDING_KINDS, created_at__gte=since)
    refunds_of_those = Q(kind=LedgerEntry.Kind.REFUND, refunds__kind__in=SPENDING_KINDS, refunds__created_at__gte=since)
    total = LedgerEntry.objects.filter(spends | refunds_of_those, user_id=user_id).aggregate(total=Sum("amount"))
    return max(0, -(total["total"] or 0))


def spent_today(user: AbstractBaseUser) -> int:
    return spent_since(user.pk, start_of_day(utc_now()))


def spent_this_month(user: AbstractBaseUser) -> int:
    return spent_since(user.pk, start_of_month(utc_now()))


def refund_key(entry_id: int, share: int | None = None) -> str:
    """The idempotency key of the automatic refund of one spend entry (or of one share of
    it, for a multi-pull): each is refunded at most once."""
    base = f"{REFUND_KEY_PREFIX}{entry_id}"
    return base if share is None else f"{base}:{share}"


def staff_refund_key(entry_id: int, submission: str | None = None) -> str:
    """The key of one staff refund: each is its own refund, capped by what is left. The
    form's ``submission`` id makes a resubmitted form (double click, back button) a replay."""
    return f"{REFUND_KEY_PREFIX}{entry_id}:staff:{submission or uuid.uuid4().hex}"


def refunds_of(entry_id: int) -> QuerySet[LedgerEntry]:
    """Every refund written for one spend entry: automatic, by share, or by staff."""
    return LedgerEntry.objects.filter(refunds_id=entry_id)


def refunded_tokens(entry_id: int) -> int:
    """Tokens already given back for one spend entry, by every refund of it together."""
    return refunds_of(entry_id).aggregate(total=Sum("amount"))["total"] or 0


def refunded_tokens_of(entry_ids: Iterable[int]) -> dict[int, int]:
    """``refunded_tokens`` for many spend entries in one query (entries with no refund are left out)."""
    rows = (LedgerEntry.objects.filter(refunds_id__in=list(entry_ids)).values("refunds_id")
            .annotate(total=Sum("amount")).values_list("refunds_id", "total"))
    return dict(rows)


def unrefunded_spends(user: AbstractBaseUser) -> QuerySet[LedgerEntry]:
    """The user's pull, job and free-pull entries with something left to give back, newest
    first, each annotated with ``refundable_tokens``: a paid spend while its refunds add up
    to less than it took, a free pull (0 tokens) while it has no refund at all."""
    refunds = LedgerEntry.objects.filter(refunds=OuterRef("pk"))
    refunded = refunds.values("refunds").annotate(total=Sum("amount")).values("total")
    return (
        transactions(user)
        .filter(kind__in=REFUNDABLE_KINDS)
        .annotate(refundable_tokens=-F("amount") - Coalesce(Subquery(refunded), 0))
        .filter(Q(refundable_tokens__gt=0) | (Q(amount=0) & ~Exists(refunds)))
    )


def spending_limits(user: AbstractBaseUser) -> SpendingLimits:
    """The user's own limits (None: no limit) next to what they have spent against them."""
    wallet = Wallet.objects.filter(user=user).first()
    return SpendingLimits(
        tokens_per_day=wallet.tokens_per_day if wallet else None,
        tokens_per_month=wallet.tokens_per_month if wallet else None,
        spent_today=spent_today(user),
        spent_this_month=spent_this_month(user),
    )
