"""Refusals of guaranteed-job actions, as application errors (PRODUCT.md §9's status and code).

Too few tokens or a spending limit come from ``economy`` (402); a pattern the engine
refuses comes from ``patterns`` (400, or 422 when it can never match).
"""

from __future__ import annotations

from core.exceptions import BadRequest, Conflict, NotFound


class JobNotFound(NotFound):
    """No such job for this user: missing or someone else's (both 404), or its key is gone."""


class GuaranteedNotOffered(BadRequest):
    """A valid pattern that a guaranteed job cannot take (regex mode: no exact odds, no price)."""

    status, code = 422, "guaranteed_not_offered"


class JobInfeasible(BadRequest):
    """The 99th-percentile time on the pool is past JOB_MAX_P99_SECONDS; ``suggestions``
    are easier patterns that fit, each a (what to change, its PatternSpec, p99 seconds)."""

    status, code = 422, "job_infeasible"

    def __init__(self, message: str, *, suggestions: list | None = None) -> None:
        super().__init__(message)
        self.suggestions = suggestions or []


class JobNotDone(Conflict):
    code = "job_not_done"


class JobSettled(Conflict):
    """Cancel of a job that is already done or failed."""

    code = "job_settled"


class PriceChanged(Conflict):
    """The price confirmed by the user is not the price now; nothing was paid."""

    code = "price_changed"


class SparkNotFull(Conflict):
    """The spark meter of this pattern has not reached its guaranteed price (or was used)."""

    code = "spark_not_full"
