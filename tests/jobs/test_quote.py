"""The price and figures of a guaranteed job come from the exact odds, and patterns the pool
cannot finish in time (or regexes) are refused with the numbers and what to change."""
import math

import pytest

from jobs import selectors
from jobs.exceptions import GuaranteedNotOffered, JobInfeasible
from patterns.engine import PatternSpec, exact_odds
from patterns.exceptions import InvalidPattern

pytestmark = pytest.mark.django_db

GO_BE_42 = PatternSpec("GO BE 42", fuzzy=True)  # about 82,800 keys a match


def test_price_is_expected_keys_over_keys_per_token_with_the_margin_rounded_up(settings):
    p = exact_odds(GO_BE_42)[0]
    quote = selectors.job_quote(GO_BE_42)
    assert quote.p_jackpot == p
    assert quote.expected_keys == pytest.approx(1 / p)
    assert quote.price_tokens == math.ceil(1 / p / settings.KEYS_PER_TOKEN * settings.JOB_PRICE_MARGIN) == 100

    settings.JOB_PRICE_MARGIN, settings.KEYS_PER_TOKEN = 2.0, 500
    assert selectors.job_quote(GO_BE_42).price_tokens == math.ceil(1 / p / 500 * 2.0)


def test_price_arithmetic_is_exact_at_whole_numbers(settings):
    assert selectors.job_price(100_000.0) == 120  # 100,000 / 1,000 × 1.2, not 120.00000000000001 → 121
    assert selectors.job_price(100_001.0) == 121
    assert selectors.job_price(0.5) == 1  # never free


def test_figures_are_the_geometric_median_and_99th_percentile_at_the_pool_rate():
    quote = selectors.job_quote(GO_BE_42)
    p = quote.p_jackpot
    assert quote.median_keys == math.ceil(math.log(0.5) / math.log1p(-p))
    assert quote.p99_keys == math.ceil(math.log(0.01) / math.log1p(-p))
    assert quote.pool_keys_per_second == 100_000  # the default 50,000 a worker × GRIND_POOL_WORKERS
    assert quote.p99_seconds == pytest.approx(quote.p99_keys / 100_000)
    assert quote.feasible


def test_the_pool_rate_is_the_measured_grinding_rate(settings):
    from patterns.services import grinding_rate_record

    for rate in (20_000, 30_000, 40_000):
        grinding_rate_record(rate)
    assert selectors.job_quote(GO_BE_42).pool_keys_per_second == 30_000 * settings.GRIND_POOL_WORKERS


def test_an_infeasible_pattern_is_refused_with_the_numbers_and_a_concrete_suggestion(settings):
    spec = PatternSpec("GO BE AWE SOME", fuzzy=True)
    with pytest.raises(JobInfeasible) as refused:
        selectors.job_quote(spec)
    error = refused.value
    assert (error.status, error.code) == (422, "job_infeasible")
    p99 = math.ceil(math.log(0.01) / math.log1p(-exact_odds(spec)[0]))
    assert f"{p99:,} keys" in error.message and "100,000 keys/s" in error.message
    assert "past the limit of 1 days" in error.message and "Try:" in error.message
    assert error.suggestions
    for suggestion in error.suggestions:
        assert suggestion.change in error.message
        assert selectors.job_quote(suggestion.spec).feasible
        assert suggestion.p99_seconds <= settings.JOB_MAX_P99_SECONDS


def test_a_case_sensitive_pattern_is_told_to_turn_on_case_insensitive_when_that_is_enough(settings):
    settings.JOB_MAX_P99_SECONDS = 120  # case-insensitive: 99% within about 69 s
    with pytest.raises(JobInfeasible) as refused:
        selectors.job_quote(PatternSpec("Vani ke"))
    assert refused.value.suggestions[0].change == "turn on case-insensitive"


def test_regex_mode_is_refused_with_why():
    with pytest.raises(GuaranteedNotOffered) as refused:
        selectors.job_quote(PatternSpec("^ab", mode="regex"))
    assert refused.value.status == 422
    assert "regular expressions" in refused.value.message and "words" in refused.value.message


@pytest.mark.parametrize(
    ("spec", "status"),
    [(PatternSpec("GO"), 400), (PatternSpec("x" * 17), 400), (PatternSpec("ab", format="onion", anchor="suffix"), 422)],
)
def test_a_pattern_the_engine_refuses_is_refused_as_it_is_for_pulls(spec, status):
    with pytest.raises(InvalidPattern) as refused:
        selectors.job_quote(spec)
    assert refused.value.status == status


def test_the_pattern_key_ignores_spacing_only():
    assert selectors.pattern_key(PatternSpec(" GO\t BE ")) == selectors.pattern_key(PatternSpec("GO BE"))
    assert selectors.pattern_key(PatternSpec("GO BE")) != selectors.pattern_key(PatternSpec("GO BE", fuzzy=True))
    assert selectors.pattern_key(PatternSpec("GO BE")) != selectors.pattern_key(PatternSpec("go be"))


def test_p_found_by_now_and_the_cancel_refund_follow_their_formulas(rich_user, captured_enqueues):
    from tests.jobs.factories import make_job

    job = make_job(rich_user, "GO BE 42", fuzzy=True)
    p, expected = job.p_jackpot, job.expected_keys
    assert selectors.p_found_by(p, 50_000) == pytest.approx(1 - (1 - p) ** 50_000)
    assert selectors.p_found_by(p, 0) == 0
    assert selectors.cancel_refund(job, 0) == job.price_tokens
    assert selectors.cancel_refund(job, 41_000) == math.floor(job.price_tokens * (1 - 41_000 / expected))
    assert selectors.cancel_refund(job, 10**9) == 0
