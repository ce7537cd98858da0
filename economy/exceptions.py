"""Refusals of the ledger, as application errors (PRODUCT.md §9's status and code)."""

from __future__ import annotations

from core.exceptions import ApplicationError, BadRequest, Conflict


class EconomyError(ApplicationError):
    """A change to a wallet refused; nothing was written."""


class InsufficientTokens(EconomyError):
    status, code = 402, "insufficient_tokens"

    def __init__(self, needed: int, balance: int, *, no_free_pulls: bool = False) -> None:
        self.needed = needed
        self.balance = balance
        prefix = "No free pulls left today, and not enough" if no_free_pulls else "Not enough"
        super().__init__(f"{prefix} tokens: this needs {needed}, you have {balance}.")


class SpendingLimitExceeded(EconomyError):
    status, code = 402, "spending_limit"

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


class InvalidAmount(BadRequest, EconomyError):
    """An amount, kind, reason or limit the ledger does not take (a caller's or a form's mistake)."""


class AlreadyRefunded(Conflict, EconomyError):
    """Every token of that spend has been given back already."""

    code = "already_refunded"


class IdempotencyConflict(Conflict, EconomyError):
    """An idempotency key already used for another user or kind: a caller bug, not a repeat."""
