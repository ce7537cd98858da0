"""Every write to wallets and the ledger.

Each change runs in ``transaction.atomic()`` holding the wallet row lock
(``wallet_lock``: ``SELECT … FOR UPDATE``), so concurrent requests on one wallet are
applied one after the other: two requests can never spend the same tokens, the
free-pull counter cannot be overrun, and entries are written in lock order (their
``balance_before`` is the previous entry's ``balance_after``). Every balance change
writes exactly one ledger entry. Idempotency keys are checked while holding the lock,
so a repeated Stripe event or refund finds the first one's entry and applies nothing.

The wallet lock is also the one lock that serialises everything else a user does with
tokens in the same transaction (e.g. numbering their pulls): a caller that pays with
``wallet_pay_pulls`` holds it until its transaction ends.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypedDict, Unpack

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from . import selectors
from .exceptions import AlreadyRefunded, IdempotencyConflict, InsufficientTokens, InvalidAmount
from .models import LedgerEntry, Wallet

Kind = LedgerEntry.Kind
# Sane bounds, far above any real use and below what the database columns hold: a
# change past them is a typo or an attack, refused with InvalidAmount.
MAX_TOKENS_PER_OPERATION = 1_000_000_000
MAX_BALANCE = 1_000_000_000_000
CREDIT_KINDS = frozenset({Kind.PURCHASE, Kind.REFUND, Kind.GRANT, Kind.ADJUSTMENT})
DEBIT_KINDS = frozenset({Kind.PULL, Kind.JOB, Kind.ADJUSTMENT})


def wallet_lock(user_id: int) -> Wallet:
    """The user's wallet, created if missing, locked until the caller's transaction ends."""
    try:
        return Wallet.objects.select_for_update().get(user_id=user_id)
    except Wallet.DoesNotExist:
        Wallet.objects.get_or_create(user_id=user_id)
        return Wallet.objects.select_for_update().get(user_id=user_id)


class EntryOptions(TypedDict, total=False):
    """What a ledger entry may carry besides its amount: why, a key that applies it at
    most once, and the staff member who made it."""

    reason: str
    idempotency_key: str | None
    created_by: AbstractBaseUser | None


def wallet_credit(
    user: AbstractBaseUser, *, amount: int, kind: str, reference: str, **options: Unpack[EntryOptions]
) -> LedgerEntry:
    """Add tokens. With a key already applied, return that entry and change nothing."""
    _require_positive(amount)
    _require_kind(kind, CREDIT_KINDS)
    return _once(
        user.pk, kind, options.get("idempotency_key"), lambda wallet: _apply(wallet, amount, kind, reference, **options)
    )


def wallet_debit(
    user: AbstractBaseUser, *, amount: int, kind: str, reference: str, **options: Unpack[EntryOptions]
) -> LedgerEntry:
    """Take tokens, or raise InsufficientTokens / SpendingLimitExceeded and change nothing.

    Spending limits apply to pulls and jobs, not to staff adjustments.
    """
    _require_positive(amount)
    _require_kind(kind, DEBIT_KINDS)
    return _once(
        user.pk, kind, options.get("idempotency_key"),
        lambda wallet: _debit_locked(wallet, amount, kind, reference, **options),
    )


def wallet_debit_available(
    user: AbstractBaseUser, *, amount: int, reference: str, reason: str, idempotency_key: str
) -> tuple[LedgerEntry, int]:
    """Take back up to ``amount`` tokens (e.g. a purchase refunded at Stripe) without ever
    going below zero, once per key: (the adjustment entry, the shortfall — tokens owed that
    the balance did not cover). The entry is written even when nothing could be taken (0
    tokens), so the key is spent: a repeat after the balance has grown takes nothing."""
    _require_positive(amount)
    _require_reason(reason)
    with transaction.atomic():
        wallet = wallet_lock(user.pk)
        existing = _applied_entry(idempotency_key, user.pk, Kind.ADJUSTMENT)
        if existing is not None:
            return existing, amount + existing.amount
        taken = min(amount, wallet.balance)
        entry = _apply(wallet, -taken, Kind.ADJUSTMENT, reference, reason, idempotency_key)
        return entry, amount - taken


def wallet_grant(
    user: AbstractBaseUser,
    *,
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
    return wallet_credit(
        user, amount=amount, kind=Kind.GRANT, reference=reference, reason=reason, idempotency_key=key,
        created_by=created_by,
    )


def wallet_pay_pulls(user: AbstractBaseUser, *, count: int, reference: str) -> LedgerEntry:
    """Pay for ``count`` pulls: a single pull uses a free daily pull while any is left,
    otherwise (and always for a multi-pull) ``count × PULL_COST_TOKENS`` in one debit.

    A free pull is recorded as a ``free`` entry of 0 tokens, so history is complete. Must
    run inside the caller's transaction: the wallet stays locked until it ends.
    """
    if not _is_whole(count) or count < 1:
        raise InvalidAmount(f"A pull count must be a positive integer, not {count!r}.")
    today = selectors.utc_now().date()
    wallet = wallet_lock(user.pk)
    if count == 1 and selectors.free_pulls_left_in(wallet, today) > 0:
        if wallet.free_pulls_used_on != today:
            wallet.free_pulls_used_on, wallet.free_pulls_used = today, 0
        wallet.free_pulls_used += 1
        return _apply(wallet, 0, Kind.FREE, reference, "Free daily pull")
    cost = count * settings.PULL_COST_TOKENS
    reason = "Pull" if count == 1 else f"{count}× pull"
    try:
        return _debit_locked(wallet, cost, Kind.PULL, reference, reason=reason)
    except InsufficientTokens as exc:
        if count == 1 and settings.FREE_PULLS_PER_DAY > 0:
            raise InsufficientTokens(exc.needed, exc.balance, no_free_pulls=True) from None
        raise


def wallet_pay_job(
    user: AbstractBaseUser, *, amount: int, reference: str, reason: str, idempotency_key: str | None = None
) -> LedgerEntry:
    """Pay for a guaranteed job up front (spending limits apply). ``amount`` 0 records a
    job paid for otherwise (a full spark meter): a ``job`` entry of 0 tokens, once per key."""
    if amount == 0:
        if not idempotency_key:
            raise InvalidAmount("A job entry of 0 tokens needs an idempotency key, so it is written once.")
        return _once(
            user.pk, Kind.JOB, idempotency_key,
            lambda wallet: _apply(wallet, 0, Kind.JOB, reference, reason, idempotency_key),
        )
    return wallet_debit(
        user, amount=amount, kind=Kind.JOB, reference=reference, reason=reason, idempotency_key=idempotency_key
    )


def spend_refund(
    entry_id: int, *, reason: str, reference: str, share: int | str | None = None, tokens: int | None = None
) -> LedgerEntry:
    """Give back what a spend entry (a pull, a free pull, a job) took and no other refund
    has given back yet: all that is left, or ``tokens`` of it.

    ``share`` names one part of the spend refunded on its own (one pull of a 10× pull, a
    cancelled job's unspent share): each share is refunded at most once, the whole spend
    (``share`` None) at most once, and all refunds of a spend together never pass what it
    took; a repeat returns the first refund. AlreadyRefunded when nothing is left.

    A free pull comes back only on the day it was taken; after 00:00 UTC the counter has
    reset anyway, and the refund entry (0 tokens) still records what happened.
    """
    _require_reason(reason)
    if tokens is not None:
        _require_positive(tokens)
    entry = _spend_entry(entry_id)
    return _give_back(entry, selectors.refund_key(entry_id, share), reference, reason, tokens=tokens)


def entry_refund(
    entry: LedgerEntry,
    *,
    reason: str,
    created_by: AbstractBaseUser | None = None,
    amount: int | None = None,
    submission: str | None = None,
) -> LedgerEntry:
    """A staff refund of a pull, job or free-pull entry: ``amount`` tokens of it, or all
    that is left.

    Each call is a refund of its own (its own idempotency key), so partial refunds add up;
    together with the automatic refunds they never give back more than the entry took,
    nor a free pull more than once. Raises AlreadyRefunded when nothing is left,
    InvalidAmount for more than is left. The same ``submission`` (a form's one-time id)
    returns the refund it already made.
    """
    _require_reason(reason)
    entry = _spend_entry(entry.pk)
    if amount is not None and not (_is_whole(amount) and 0 < amount <= -entry.amount):
        raise InvalidAmount(f"A refund of entry #{entry.pk} must be between 1 and {-entry.amount} tokens.")
    key = selectors.staff_refund_key(entry.pk, submission)
    return _give_back(entry, key, entry.reference, reason, tokens=amount, created_by=created_by, exact=True)


def wallet_set_limits(user: AbstractBaseUser, *, per_day: int | None, per_month: int | None) -> Wallet:
    """The user's own caps on tokens spent per UTC day / month; None removes a cap."""
    for name, value in (("per_day", per_day), ("per_month", per_month)):
        if value is not None and not (_is_whole(value) and 0 <= value <= MAX_TOKENS_PER_OPERATION):
            raise InvalidAmount(
                f"Spending limit {name} must be a whole number of tokens from 0 to {MAX_TOKENS_PER_OPERATION:,}, or None."
            )
    with transaction.atomic():
        wallet = wallet_lock(user.pk)
        wallet.tokens_per_day, wallet.tokens_per_month = per_day, per_month
        wallet.save(update_fields=["tokens_per_day", "tokens_per_month", "updated_at"])
    return wallet


def _once(
    user_id: int, kind: str, idempotency_key: str | None, change: Callable[[Wallet], LedgerEntry]
) -> LedgerEntry:
    """Apply ``change`` to the locked wallet, unless an entry with this key exists: then
    return that one and change nothing."""
    with transaction.atomic():
        wallet = wallet_lock(user_id)
        existing = _applied_entry(idempotency_key, user_id, kind)
        return existing if existing is not None else change(wallet)


def _spend_entry(entry_id: int) -> LedgerEntry:
    entry = LedgerEntry.objects.filter(pk=entry_id).first()
    if entry is None or entry.kind not in selectors.REFUNDABLE_KINDS:
        raise InvalidAmount(f"Ledger entry #{entry_id} is not a pull, job or free pull.")
    return entry


def _applied_entry(idempotency_key: str | None, user_id: int, kind: str) -> LedgerEntry | None:
    """The entry already written under this key, if any. Call while holding the wallet lock."""
    if idempotency_key is None:
        return None
    entry = LedgerEntry.objects.filter(idempotency_key=idempotency_key).first()
    if entry is not None and (entry.user_id, entry.kind) != (user_id, kind):
        raise IdempotencyConflict(f"Idempotency key {idempotency_key!r} was used for another change (#{entry.pk}).")
    return entry


def _debit_locked(
    wallet: Wallet, amount: int, kind: str, reference: str, **options: Unpack[EntryOptions]
) -> LedgerEntry:
    selectors.debit_check(wallet, amount=amount, kind=kind)
    return _apply(wallet, -amount, kind, reference, **options)


def _give_back(
    spend: LedgerEntry,
    key: str,
    reference: str,
    reason: str,
    *,
    tokens: int | None = None,
    created_by: AbstractBaseUser | None = None,
    exact: bool = False,
) -> LedgerEntry:
    """Refund ``tokens`` of a spend entry (None: all that is left) once per key.

    Under the wallet lock, all refunds of one spend together are kept within what it took:
    more than is left is paid only up to what is left, or with ``exact`` refused with
    InvalidAmount. A spend of 0 tokens (a free pull) is given back at most once in all.
    AlreadyRefunded when nothing is left.
    """
    with transaction.atomic():
        wallet = wallet_lock(spend.user_id)
        existing = _applied_entry(key, spend.user_id, Kind.REFUND)
        if existing is not None:
            return existing
        took = -spend.amount
        if took == 0:
            if selectors.refunds_of(spend.pk).exists():
                raise AlreadyRefunded(f"Ledger entry #{spend.pk} is already refunded.")
            left = 0
        else:
            left = took - selectors.refunded_tokens(spend.pk)
            if left <= 0:
                raise AlreadyRefunded(f"Ledger entry #{spend.pk} is already refunded in full.")
        if tokens is not None and tokens > left and exact:
            raise InvalidAmount(f"Only {left} tokens of ledger entry #{spend.pk} are left to refund.")
        amount = left if tokens is None else min(tokens, left)
        day = selectors.utc_day(spend.created_at)
        if spend.kind == Kind.FREE and wallet.free_pulls_used_on == day and wallet.free_pulls_used > 0:
            wallet.free_pulls_used -= 1
        return _apply(wallet, amount, Kind.REFUND, reference, reason, key, created_by, refunds_id=spend.pk)


def _apply(
    wallet: Wallet,
    amount: int,
    kind: str,
    reference: str,
    reason: str = "",
    idempotency_key: str | None = None,
    created_by: AbstractBaseUser | None = None,
    refunds_id: int | None = None,
) -> LedgerEntry:
    """Change the locked wallet by ``amount`` and write its one ledger entry."""
    before = wallet.balance
    if amount > 0 and before + amount > MAX_BALANCE:
        raise InvalidAmount(
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
        raise InvalidAmount(f"An amount of tokens must be a positive integer, not {amount!r}.")
    if amount > MAX_TOKENS_PER_OPERATION:
        raise InvalidAmount(f"An amount of tokens must be at most {MAX_TOKENS_PER_OPERATION:,}, not {amount:,}.")


def _require_kind(kind: str, allowed: frozenset) -> None:
    if kind not in allowed:
        raise InvalidAmount(f"Ledger kind {kind!r} is not one of {sorted(allowed)} here.")


def _require_reason(reason: str) -> None:
    if not reason or not reason.strip():
        raise InvalidAmount("A reason is required.")
