"""How a job looks on a page: its live figures as text, and its result like a pull's
(the address highlight and stars come from ``pulls.presenters.PullView``)."""

from __future__ import annotations

from functools import cached_property

from django.utils import timezone

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


class JobView(PullView):
    """A job for templates: the pull result helpers (``segments``, ``stars``) and the figures."""

    def __init__(self, job: Job, progress: selectors.JobProgress | None = None) -> None:
        super().__init__(job)
        self.job = job
        self._progress = progress

    @cached_property
    def progress(self) -> selectors.JobProgress:
        return self._progress or selectors.job_progress(self.job)

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
    def p_found_text(self) -> str:
        return format_percent(self.progress.p_found_by_now)

    @property
    def rate_text(self) -> str:
        return format_rate(self.progress.keys_per_second)

    @property
    def matches_per_hour_text(self) -> str:
        return format_matches_per_hour(self.progress.expected_matches_per_hour)

    @property
    def one_in_text(self) -> str:
        return format_one_in(self.job.p_jackpot)

    @property
    def expected_keys_text(self) -> str:
        return format_keys(self.job.expected_keys)

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


class Formatted:
    """A read-only attribute that shows one figure of the wrapped quote as text."""

    def __init__(self, figure: str, as_text) -> None:
        self.figure, self.as_text = figure, as_text

    def __get__(self, view: QuoteView, owner=None) -> str:
        return self.as_text(getattr(view.quote, self.figure))


class QuoteView:
    """A quote's figures as text (the /app offer and the confirm step); other attributes
    are the quote's own."""

    expected_keys_text = Formatted("expected_keys", format_keys)
    median_keys_text = Formatted("median_keys", format_keys)
    p99_keys_text = Formatted("p99_keys", format_keys)
    expected_time = Formatted("expected_seconds", format_duration)
    median_time = Formatted("median_seconds", format_duration)
    p99_time = Formatted("p99_seconds", format_duration)
    max_time = Formatted("max_p99_seconds", format_duration)
    rate_text = Formatted("pool_keys_per_second", format_rate)
    one_in_text = Formatted("p_jackpot", format_one_in)

    def __init__(self, quote: selectors.JobQuote) -> None:
        self.quote = quote

    def __getattr__(self, name: str):
        return getattr(self.quote, name)
