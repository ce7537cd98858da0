import pytest


@pytest.fixture(autouse=True)
def round_prices(pull_prices):
    """Every pull test pays the round prices and grinds the small budget of ``pull_prices``."""


@pytest.fixture
def queued(django_capture_on_commit_callbacks):
    """Run code that queues pulls, capturing (not sending) the Celery messages."""

    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            result = fn(*args, **kwargs)
        return result, callbacks

    return run

