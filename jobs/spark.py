"""The spark meter (PRODUCT.md §5): no hidden pity, a visible one.

Tokens a user spends pulling one pattern (the same parts after whitespace normalisation,
format and options) fill a meter toward that pattern's guaranteed price. Free pulls do
not fill it (they cost no tokens); refunds are taken out (what is counted is what is
left of each paying ledger entry after every refund of it). Each job paid by the meter
uses up its price of it (less what a cancel gives back, all of it when the job fails),
so the meter shows what is left. When it reaches the price, the user may turn it into a
guaranteed job at no further cost, once (``jobs.services.job_create_from_spark``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Sum

from core.exceptions import ApplicationError
from economy import selectors as economy_selectors
from patterns.engine import PatternSpec
from pulls import selectors as pull_selectors

from . import selectors
from .models import Job


@dataclass(frozen=True)
class SparkMeter:
    pattern_key: str
    spent_tokens: int
    used_tokens: int
    price_tokens: int | None  # the guaranteed price; None when no guaranteed job is offered

    @property
    def filled(self) -> int:
        return max(0, self.spent_tokens - self.used_tokens)

    @property
    def offered(self) -> bool:
        return self.price_tokens is not None

    @property
    def full(self) -> bool:
        return self.offered and self.filled >= self.price_tokens

    @property
    def percent(self) -> int:
        if not self.price_tokens:
            return 0
        return min(100, self.filled * 100 // self.price_tokens)

    @property
    def missing(self) -> int:
        return max(0, (self.price_tokens or 0) - self.filled)

    def as_dict(self) -> dict:
        return {
            "spent_tokens": self.spent_tokens, "used_tokens": self.used_tokens, "filled_tokens": self.filled,
            "price_tokens": self.price_tokens, "full": self.full, "percent": self.percent,
        }


def pull_tokens_spent(user: AbstractBaseUser, spec: PatternSpec) -> int:
    """Tokens spent pulling this pattern, less every refund of those spends."""
    entry_ids = pull_selectors.paid_spend_ids_for_pattern(user, spec)
    if not entry_ids:
        return 0
    left = economy_selectors.unrefunded_spends(user).filter(pk__in=entry_ids)
    return int(left.aggregate(total=Sum("refundable_tokens"))["total"] or 0)


def spark_tokens_used(user: AbstractBaseUser, key: str) -> int:
    jobs = Job.objects.filter(user=user, pattern_key=key, paid_with=Job.PaidWith.SPARK)
    return int(jobs.aggregate(total=Sum("spark_tokens"))["total"] or 0)


def spark_conversions(user: AbstractBaseUser, key: str) -> int:
    """How many jobs this pattern's meter has paid for (each conversion has its own key)."""
    return Job.objects.filter(user=user, pattern_key=key, paid_with=Job.PaidWith.SPARK).count()


def spark_meter(user: AbstractBaseUser, spec: PatternSpec, *, key: str, price_tokens: int | None) -> SparkMeter:
    return SparkMeter(
        pattern_key=key,
        spent_tokens=pull_tokens_spent(user, spec),
        used_tokens=spark_tokens_used(user, key),
        price_tokens=price_tokens,
    )


def spark_meter_for_pull(user: AbstractBaseUser, pull) -> SparkMeter | None:
    """The meter shown under a finished pull's result; None where no guaranteed job of its
    pattern is offered (a regex, a pattern that can never match or one too hard for the
    pool: no meter toward a price that does not exist)."""
    if pull.mode != "words" or pull.status != "done":
        return None
    spec = PatternSpec.from_mapping(pull)
    try:
        quote = selectors.job_quote(spec, check_feasible=False)  # no easier-pattern search
    except ApplicationError:
        return None
    if not quote.feasible:
        return None
    return spark_meter(user, spec, key=quote.pattern_key, price_tokens=quote.price_tokens)
