"""Reads for tokens: balance, free pulls, history, and what a user has spent lately.

Days and months are UTC calendar days and months: free pulls reset at 00:00 UTC and
spending limits count from the start of the UTC day / month.
"""
import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import CharField, Exists, OuterRef, Q, QuerySet, Sum, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from .models import LedgerEntry, Wallet

# Kinds whose entries count as spending (for limits); refunds give spending back.
SPENDING_KINDS = (LedgerEntry.Kind.PULL, LedgerEntry.Kind.JOB)
NET_SPENDING_KINDS = (*SPENDING_KINDS, LedgerEntry.Kind.REFUND)
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


def balance(user: AbstractBaseUser) -> int:
    return Wallet.objects.filter(user=user).values_list("balance", flat=True).first() or 0


def free_pulls_left(user: AbstractBaseUser) -> int:
    return wallet_summary(user).free_pulls_left


def transactions(user: AbstractBaseUser) -> QuerySet[LedgerEntry]:
    """The user's ledger, newest first."""
    return LedgerEntry.objects.filter(user=user).order_by("-created_at", "-id")


def spent_since(user_id: int, since: dt.datetime) -> int:
    """Tokens spent on pulls and jobs since ``since``, less what was refunded since then."""
    total = (
        LedgerEntry.objects.filter(user_id=user_id, created_at__gte=since, kind__in=NET_SPENDING_KINDS)
        .aggregate(total=Sum("amount"))["total"]
        or 0
    )
    return max(0, -total)


def spent_today(user: AbstractBaseUser) -> int:
    return spent_since(user.pk, start_of_day(utc_now()))


def spent_this_month(user: AbstractBaseUser) -> int:
    return spent_since(user.pk, start_of_month(utc_now()))


def refund_key(entry_id: int, share: int | None = None) -> str:
    """The idempotency key of the refund of one spend entry (or of one share of it, for a
    multi-pull): each is refunded at most once."""
    base = f"{REFUND_KEY_PREFIX}{entry_id}"
    return base if share is None else f"{base}:{share}"


def refunded_tokens(entry_id: int) -> int:
    """Tokens already given back for one spend entry, whole or by shares."""
    base = refund_key(entry_id)
    refunds = LedgerEntry.objects.filter(kind=LedgerEntry.Kind.REFUND).filter(
        Q(idempotency_key=base) | Q(idempotency_key__startswith=f"{base}:")
    )
    return refunds.aggregate(total=Sum("amount"))["total"] or 0


def refund_of(entry: LedgerEntry) -> LedgerEntry | None:
    """The refund already written for a spend entry, if any."""
    return LedgerEntry.objects.filter(idempotency_key=refund_key(entry.pk)).first()


def unrefunded_spends(user: AbstractBaseUser) -> QuerySet[LedgerEntry]:
    """The user's pull, job and free-pull entries that have no refund yet, newest first."""
    refund = LedgerEntry.objects.filter(
        idempotency_key=Concat(Value(REFUND_KEY_PREFIX), Cast(OuterRef("pk"), CharField()))
    )
    return transactions(user).filter(kind__in=REFUNDABLE_KINDS).exclude(Exists(refund))


def spending_limits(user: AbstractBaseUser) -> SpendingLimits:
    """The user's own limits (None: no limit) next to what they have spent against them."""
    wallet = Wallet.objects.filter(user=user).first()
    return SpendingLimits(
        tokens_per_day=wallet.tokens_per_day if wallet else None,
        tokens_per_month=wallet.tokens_per_month if wallet else None,
        spent_today=spent_today(user),
        spent_this_month=spent_this_month(user),
    )
