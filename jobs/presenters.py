"""How a job looks on a page: its live figures as text, and its result like a pull's
(the address highlight and stars come from ``pulls.presenters.PullView``)."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from operator import attrgetter

from django.utils import timezone

from economy import selectors as economy_selectors
from patterns.presenters import format_duration, format_one_in, format_percent
from pulls.presenters import PullView

from . import selectors
from .models import Job


def format_rate(keys_per_second: float) -> str:
    return f"{keys_per_second:,.0f} keys/s"


def format_keys(keys: float) -> str:
    return f"{keys:,.0f}"


def format_matches_per_hour(value: float) -> str:
    if value <= 0:
        return "—"
    return f"{value:.3g}" if value < 100 else f"{value:,.0f}"


class Formatted:
    """A read-only attribute that shows one figure of the view as text: ``figure`` is a
    dotted path from the view ("quote.p_jackpot", "progress.keys_per_second")."""

    def __init__(self, figure: str, as_text: Callable[[float], str]) -> None:
        self.figure, self.as_text = attrgetter(figure), as_text

    def __get__(self, view: object, owner: type | None = None) -> str:
        return self.as_text(self.figure(view))


class JobView(PullView):
    """A job for templates: the pull result helpers (``segments``, ``stars``) and the figures."""

    p_found_text = Formatted("progress.p_found_by_now", format_percent)
    rate_text = Formatted("progress.keys_per_second", format_rate)
    matches_per_hour_text = Formatted("progress.expected_matches_per_hour", format_matches_per_hour)
    one_in_text = Formatted("job.p_jackpot", format_one_in)
    expected_keys_text = Formatted("job.expected_keys", format_keys)

    def __init__(self, job: Job, *, refunded_tokens: int | None = None) -> None:
        super().__init__(job)
        self.job = job
        if refunded_tokens is not None:
            self.refunded_tokens = refunded_tokens  # known already: no query of its own

    @cached_property
    def progress(self) -> selectors.JobProgress:
        return selectors.job_progress(self.job)

    @property
    def keys_tried(self) -> int:
        """Keys ground so far: live while the job runs, frozen on the job once it settles."""
        return self.progress.keys_tried if self.job.active else self.job.keys_tried

    @property
    def finished(self) -> bool:
        return not self.job.active

    @property
    def polling(self) -> bool:
        return self.job.active

    @property
    def percent(self) -> int:
        """How far along the expected keys (it may pass 100%: a geometric search has no end)."""
        return round(100 * self.progress.keys_tried / self.job.expected_keys) if self.job.expected_keys else 0

    @property
    def bar_value(self) -> float:
        return min(1.0, self.progress.p_found_by_now)

    @property
    def elapsed_text(self) -> str:
        if self.job.started_at is None:
            return "not started"
        end = self.job.finished_at
        return format_duration(((end or timezone.now()) - self.job.started_at).total_seconds())

    @cached_property
    def refunded_tokens(self) -> int:
        return selectors.refunded_tokens(self.job)

    @property
    def spark_returned_tokens(self) -> int:
        return self.job.price_tokens - self.job.spark_tokens


class QuoteView:
    """A quote's figures as text (the /app offer and the confirm step); other attributes
    are the quote's own."""

    expected_keys_text = Formatted("quote.expected_keys", format_keys)
    median_keys_text = Formatted("quote.median_keys", format_keys)
    p99_keys_text = Formatted("quote.p99_keys", format_keys)
    expected_time = Formatted("quote.expected_seconds", format_duration)
    median_time = Formatted("quote.median_seconds", format_duration)
    p99_time = Formatted("quote.p99_seconds", format_duration)
    max_time = Formatted("quote.max_p99_seconds", format_duration)
    rate_text = Formatted("quote.pool_keys_per_second", format_rate)
    one_in_text = Formatted("quote.p_jackpot", format_one_in)

    def __init__(self, quote: selectors.JobQuote) -> None:
        self.quote = quote

    def __getattr__(self, name: str):
        return getattr(self.quote, name)


def job_history_views(jobs: list[Job]) -> list[JobView]:
    """Jobs for a list (/history): their refunds read in one query, not one per row."""
    refunds = economy_selectors.refunded_tokens_of(job.spend_entry_id for job in jobs if job.spend_entry_id)
    return [JobView(job, refunded_tokens=refunds.get(job.spend_entry_id, 0)) for job in jobs]
