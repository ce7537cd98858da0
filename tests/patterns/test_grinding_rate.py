"""Time estimates use the grinding rate that finished pulls measured, not a guess."""
import pytest

from patterns import selectors, services
from patterns.engine import PatternSpec
from pulls import services as pulls


def test_the_rate_starts_from_a_typical_figure_and_follows_measurements(settings):
    settings.GRIND_POOL_WORKERS = 2
    assert selectors.pool_keys_per_second() == 2 * selectors.DEFAULT_KEYS_PER_SECOND_PER_WORKER
    for rate in (30_000, 32_000, 34_000):
        services.grinding_rate_record(rate)
    assert selectors.pool_keys_per_second() == 64_000
    services.grinding_rate_record(3_000)  # one odd, slow pull
    services.grinding_rate_record(0)
    assert 60_000 <= selectors.pool_keys_per_second() <= 64_000


@pytest.mark.django_db
def test_a_finished_words_pull_feeds_the_estimate(finished_pull_rate, settings):
    settings.GRIND_POOL_WORKERS = 1
    assert finished_pull_rate != selectors.DEFAULT_KEYS_PER_SECOND_PER_WORKER
    estimate = selectors.estimate(PatternSpec(pattern="ab"))
    assert estimate["keys_per_second"] == pytest.approx(finished_pull_rate)


@pytest.fixture
def finished_pull_rate(user, settings, django_capture_on_commit_callbacks):
    settings.PULL_BUDGET_KEYS = 3_000
    with django_capture_on_commit_callbacks(execute=False):
        (pull,) = pulls.pull_start(user, spec=PatternSpec(pattern="ab"))
    pulls.pull_execute(pull.pk)
    return selectors.worker_keys_per_second()


@pytest.mark.django_db
def test_regex_pulls_do_not_count(user, settings, django_capture_on_commit_callbacks):
    settings.PULL_BUDGET_KEYS = 2_000
    with django_capture_on_commit_callbacks(execute=False):
        (pull,) = pulls.pull_start(user, spec=PatternSpec(pattern="a.b", mode="regex"))
    pulls.pull_execute(pull.pk)
    assert selectors.worker_keys_per_second() == selectors.DEFAULT_KEYS_PER_SECOND_PER_WORKER
