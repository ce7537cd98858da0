"""Every write to wallets and the ledger.

Each change runs in ``transaction.atomic()`` holding the wallet row lock
(``SELECT … FOR UPDATE``), so concurrent requests on one wallet are applied one after
the other: two requests can never spend the same tokens, the free-pull counter cannot
be overrun, and entries are written in lock order (their ``balance_before`` is the
previous entry's ``balance_after``). Every balance change writes exactly one ledger
entry. Idempotency keys are checked while holding the lock, so a repeated Stripe event
or refund finds the first one's entry and applies nothing.
"""
import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from . import selectors
from .models import LedgerEntry, Wallet

Kind = LedgerEntry.Kind
# Sane bounds, far above any real use and below what the database columns hold: a
# change past them is a typo or an attack, refused with a clear ValueError.
MAX_TOKENS_PER_OPERATION = 1_000_000_000
MAX_BALANCE = 1_000_000_000_000
CREDIT_KINDS = frozenset({Kind.PURCHASE, Kind.REFUND, Kind.GRANT, Kind.ADJUSTMENT})
DEBIT_KINDS = frozenset({Kind.PULL, Kind.JOB, Kind.ADJUSTMENT})


class EconomyError(Exception):
    """A spend refused for the user's own reasons; ``status``/``code`` give the API error."""

    status = 402
    code = "payment_required"


class InsufficientTokens(EconomyError):
    code = "insufficient_tokens"

    def __init__(self, needed: int, balance: int, *, no_free_pulls: bool = False) -> None:
        self.needed = needed
        self.balance = balance
        prefix = "No free pulls left today, and not enough" if no_free_pulls else "Not enough"
        super().__init__(f"{prefix} tokens: this needs {needed}, you have {balance}.")


class SpendingLimitExceeded(EconomyError):
    code = "spending_limit"

    def __init__(self, period: str, limit: int, spent: int, needed: int) -> None:
        self.period = period
        self.limit = limit
        self.spent = spent
        self.needed = needed
        when = "today" if period == "daily" else "this month"
        super().__init__(
            f"This would pass your {period} spending limit of {limit} tokens: "
            f"you have spent {spent} {when} and this needs {needed}."
        )


class AlreadyRefunded(ValueError):
    """Every token of that spend has been given back already."""


class IdempotencyConflict(ValueError):
    """An idempotency key already used for another user or kind: a caller bug, not a repeat."""


@dataclass(frozen=True)
class Spend:
    """What ``spend_for_pull`` took, kept by the caller to give it back if the pull fails."""

    user_id: int
    entry_id: int
    free: bool
    tokens: int
    day: dt.date  # the UTC day a free pull was counted on

    @classmethod
    def from_entry(cls, entry: LedgerEntry) -> "Spend":
        """Rebuild a Spend from its ledger entry (e.g. in a worker that only has the id)."""
        if entry.kind not in selectors.REFUNDABLE_KINDS:
            raise ValueError(f"Ledger entry #{entry.pk} ({entry.kind}) is not a spend.")
        return cls(
            user_id=entry.user_id,
            entry_id=entry.pk,
            free=entry.kind == Kind.FREE,
            tokens=-entry.amount,
            day=entry.created_at.astimezone(dt.UTC).date(),
        )


def credit(
    user: AbstractBaseUser,
    amount: int,
    kind: str,
    reference: str,
    reason: str = "",
    idempotency_key: str | None = None,
    created_by: AbstractBaseUser | None = None,
) -> LedgerEntry:
    """Add tokens. With a key already applied, return that entry and change nothing."""
    _require_positive(amount)
    _require_kind(kind, CREDIT_KINDS)
    with transaction.atomic():
        wallet = _locked_wallet(user.pk)
        existing = _applied_entry(idempotency_key, user.pk, kind)
        if existing is not None:
            return existing
        return _apply(wallet, amount, kind, reference, reason, idempotency_key, created_by)


def debit(
    user: AbstractBaseUser,
    amount: int,
    kind: str,
    reference: str,
    reason: str = "",
    idempotency_key: str | None = None,
    created_by: AbstractBaseUser | None = None,
) -> LedgerEntry:
    """Take tokens, or raise InsufficientTokens / SpendingLimitExceeded and change nothing.

    Spending limits apply to pulls and jobs, not to staff adjustments.
    """
    _require_positive(amount)
    _require_kind(kind, DEBIT_KINDS)
    with transaction.atomic():
        wallet = _locked_wallet(user.pk)
        existing = _applied_entry(idempotency_key, user.pk, kind)
        if existing is not None:
            return existing
        return _debit_locked(wallet, amount, kind, reference, reason, idempotency_key, created_by)


def refund(
    user: AbstractBaseUser, amount: int, reference: str, reason: str, idempotency_key: str
) -> LedgerEntry:
    """Give tokens back, at most once per ``idempotency_key``."""
    _require_reason(reason)
    if not idempotency_key:
        raise ValueError("A refund needs an idempotency key, so it is applied at most once.")
    return credit(user, amount, Kind.REFUND, reference, reason, idempotency_key)


def grant(
    user: AbstractBaseUser,
    amount: int,
    reason: str,
    created_by: AbstractBaseUser | None,
    reference: str = "",
    submission: str | None = None,
) -> LedgerEntry:
    """Tokens given by staff (admin, ``grant_tokens``); the reason is required. The same
    ``submission`` (a form's one-time id) grants once, however often the form is sent."""
    _require_reason(reason)
    key = f"grant:{submission}" if submission else None
    return credit(user, amount, Kind.GRANT, reference, reason, idempotency_key=key, created_by=created_by)


def spend_for_pull(user: AbstractBaseUser, *, reference: str, count: int = 1) -> Spend:
    """Pay for ``count`` pulls: a single pull uses a free daily pull while any is left,
    otherwise (and always for a multi-pull) ``count × PULL_COST_TOKENS`` in one debit.

    A free pull is recorded as a ``free`` entry of 0 tokens, so history is complete.
    """
    if not _is_whole(count) or count < 1:
        raise ValueError(f"A pull count must be a positive integer, not {count!r}.")
    today = selectors.utc_now().date()
    with transaction.atomic():
        wallet = _locked_wallet(user.pk)
        if count == 1 and selectors.free_pulls_left_in(wallet, today) > 0:
            if wallet.free_pulls_used_on != today:
                wallet.free_pulls_used_on, wallet.free_pulls_used = today, 0
            wallet.free_pulls_used += 1
            entry = _apply(wallet, 0, Kind.FREE, reference, "Free daily pull")
            return Spend(user_id=user.pk, entry_id=entry.pk, free=True, tokens=0, day=today)
        cost = count * settings.PULL_COST_TOKENS
        reason = "Pull" if count == 1 else f"{count}× pull"
        try:
            entry = _debit_locked(wallet, cost, Kind.PULL, reference, reason)
        except InsufficientTokens as exc:
            if count == 1 and settings.FREE_PULLS_PER_DAY > 0:
                raise InsufficientTokens(exc.needed, exc.balance, no_free_pulls=True) from None
            raise
        return Spend(user_id=user.pk, entry_id=entry.pk, free=False, tokens=cost, day=today)


def refund_pull_spend(spend: Spend, reference: str, reason: str) -> LedgerEntry:
    """Give back what a failed pull took and no other refund has given back yet: its free
    pull, or the rest of its tokens (staff may have refunded part already). At most once
    per spend: a repeat returns the first refund; AlreadyRefunded when nothing is left.

    A free pull comes back only on the day it was taken; after 00:00 UTC the counter has
    reset anyway, and the refund entry (0 tokens) still records what happened.
    """
    _require_reason(reason)
    return _give_back(spend, selectors.refund_key(spend.entry_id), reference, reason)


def refund_pull_share(spend: Spend, share: int, tokens: int, reference: str, reason: str) -> LedgerEntry:
    """Give back one pull's share of a multi-pull spend (e.g. one failed pull of a 10×),
    at most once per share, and never more in all than the spend took (AlreadyRefunded
    when nothing is left)."""
    _require_reason(reason)
    _require_positive(tokens)
    return _give_back(spend, selectors.refund_key(spend.entry_id, share), reference, reason, tokens=tokens)


def refund_entry(
    entry: LedgerEntry,
    reason: str,
    created_by: AbstractBaseUser | None = None,
    amount: int | None = None,
    submission: str | None = None,
) -> LedgerEntry:
    """A staff refund of a pull, job or free-pull entry: ``amount`` tokens of it, or all
    that is left.

    Each call is a refund of its own (its own idempotency key), so partial refunds add up;
    together with the automatic refund of a failed pull they never give back more than the
    entry took, nor a free pull more than once. Raises AlreadyRefunded when nothing is
    left, ValueError for more than is left. The same ``submission`` (a form's one-time id)
    returns the refund it already made.
    """
    _require_reason(reason)
    spend = Spend.from_entry(entry)
    if amount is not None and not (_is_whole(amount) and 0 < amount <= spend.tokens):
        raise ValueError(f"A refund of entry #{entry.pk} must be between 1 and {spend.tokens} tokens.")
    key = selectors.staff_refund_key(entry.pk, submission)
    return _give_back(spend, key, entry.reference, reason, tokens=amount, created_by=created_by, exact=True)


def set_spending_limits(user: AbstractBaseUser, per_day: int | None, per_month: int | None) -> Wallet:
    """The user's own caps on tokens spent per UTC day / month; None removes a cap."""
    for name, value in (("per_day", per_day), ("per_month", per_month)):
        if value is not None and not (_is_whole(value) and 0 <= value <= MAX_TOKENS_PER_OPERATION):
            raise ValueError(
                f"Spending limit {name} must be a whole number of tokens from 0 to {MAX_TOKENS_PER_OPERATION:,}, or None."
            )
    with transaction.atomic():
        wallet = _locked_wallet(user.pk)
        wallet.tokens_per_day, wallet.tokens_per_month = per_day, per_month
        wallet.save(update_fields=["tokens_per_day", "tokens_per_month", "updated_at"])
    return wallet


def _locked_wallet(user_id: int) -> Wallet:
    """The user's wallet, created if missing, locked until the transaction ends."""
    try:
        return Wallet.objects.select_for_update().get(user_id=user_id)
    except Wallet.DoesNotExist:
        Wallet.objects.get_or_create(user_id=user_id)
        return Wallet.objects.select_for_update().get(user_id=user_id)


def _applied_entry(idempotency_key: str | None, user_id: int, kind: str) -> LedgerEntry | None:
    """The entry already written under this key, if any. Call while holding the wallet lock."""
    if idempotency_key is None:
        return None
    entry = LedgerEntry.objects.filter(idempotency_key=idempotency_key).first()
    if entry is not None and (entry.user_id, entry.kind) != (user_id, kind):
        raise IdempotencyConflict(f"Idempotency key {idempotency_key!r} was used for another change (#{entry.pk}).")
    return entry


def _debit_locked(
    wallet: Wallet,
    amount: int,
    kind: str,
    reference: str,
    reason: str,
    idempotency_key: str | None = None,
    created_by: AbstractBaseUser | None = None,
) -> LedgerEntry:
    if kind in selectors.SPENDING_KINDS:
        _enforce_spending_limits(wallet, amount)
    if wallet.balance < amount:
        raise InsufficientTokens(amount, wallet.balance)
    return _apply(wallet, -amount, kind, reference, reason, idempotency_key, created_by)


def _enforce_spending_limits(wallet: Wallet, amount: int) -> None:
    now = selectors.utc_now()
    for period, limit, since in (
        ("daily", wallet.tokens_per_day, selectors.start_of_day(now)),
        ("monthly", wallet.tokens_per_month, selectors.start_of_month(now)),
    ):
        if limit is None:
            continue
        spent = selectors.spent_since(wallet.user_id, since)
        if spent + amount > limit:
            raise SpendingLimitExceeded(period, limit, spent, amount)


def _give_back(
    spend: Spend,
    key: str,
    reference: str,
    reason: str,
    *,
    tokens: int | None = None,
    created_by: AbstractBaseUser | None = None,
    exact: bool = False,
) -> LedgerEntry:
    """Refund ``tokens`` of a spend (None: all that is left) once per key.

    Under the wallet lock, all refunds of one spend together are kept within what it took:
    more than is left is paid only up to what is left, or with ``exact`` refused with a
    ValueError. A spend of 0 tokens (a free pull) is given back at most once in all.
    AlreadyRefunded when nothing is left.
    """
    with transaction.atomic():
        wallet = _locked_wallet(spend.user_id)
        existing = _applied_entry(key, spend.user_id, Kind.REFUND)
        if existing is not None:
            return existing
        if spend.tokens == 0:
            if selectors.refunds_of(spend.entry_id).exists():
                raise AlreadyRefunded(f"Ledger entry #{spend.entry_id} is already refunded.")
            left = 0
        else:
            left = spend.tokens - selectors.refunded_tokens(spend.entry_id)
            if left <= 0:
                raise AlreadyRefunded(f"Ledger entry #{spend.entry_id} is already refunded in full.")
        if tokens is not None and tokens > left and exact:
            raise ValueError(f"Only {left} tokens of ledger entry #{spend.entry_id} are left to refund.")
        amount = left if tokens is None else min(tokens, left)
        if spend.free and wallet.free_pulls_used_on == spend.day and wallet.free_pulls_used > 0:
            wallet.free_pulls_used -= 1
        return _apply(wallet, amount, Kind.REFUND, reference, reason, key, created_by, refunds_id=spend.entry_id)


def _apply(
    wallet: Wallet,
    amount: int,
    kind: str,
    reference: str,
    reason: str,
    idempotency_key: str | None = None,
    created_by: AbstractBaseUser | None = None,
    refunds_id: int | None = None,
) -> LedgerEntry:
    """Change the locked wallet by ``amount`` and write its one ledger entry."""
    before = wallet.balance
    if amount > 0 and before + amount > MAX_BALANCE:
        raise ValueError(
            f"This would take the balance to {before + amount:,} tokens, past the most a wallet holds ({MAX_BALANCE:,})."
        )
    wallet.balance = before + amount
    wallet.save(update_fields=["balance", "free_pulls_used_on", "free_pulls_used", "updated_at"])
    return LedgerEntry.objects.create(
        user_id=wallet.user_id,
        kind=kind,
        amount=amount,
        balance_before=before,
        balance_after=wallet.balance,
        reference=reference,
        reason=reason,
        idempotency_key=idempotency_key,
        created_by=created_by,
        refunds_id=refunds_id,
    )


def _is_whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _require_positive(amount: int) -> None:
    if not _is_whole(amount) or amount <= 0:
        raise ValueError(f"An amount of tokens must be a positive integer, not {amount!r}.")
    if amount > MAX_TOKENS_PER_OPERATION:
        raise ValueError(f"An amount of tokens must be at most {MAX_TOKENS_PER_OPERATION:,}, not {amount:,}.")


def _require_kind(kind: str, allowed: frozenset) -> None:
    if kind not in allowed:
        raise ValueError(f"Ledger kind {kind!r} is not one of {sorted(allowed)} here.")


def _require_reason(reason: str) -> None:
    if not reason or not reason.strip():
        raise ValueError("A reason is required.")
