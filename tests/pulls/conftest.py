import json

import pytest

from economy import services as economy
from patterns.engine.pattern import PatternSpec
from pulls import services
from pulls.models import Pull


@pytest.fixture(autouse=True)
def small_budget(settings):
    """Pulls grind a few thousand keys in tests; the cost stays the product's."""
    settings.PULL_BUDGET_KEYS = 3_000
    settings.PULL_COST_TOKENS = 100
    settings.FREE_PULLS_PER_DAY = 3


@pytest.fixture
def queued(django_capture_on_commit_callbacks):
    """Run code that queues pulls, capturing (not sending) the Celery messages."""

    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            result = fn(*args, **kwargs)
        return result, callbacks

    return run


@pytest.fixture
def finished_pull(user, queued):
    """A pull the user made and a worker finished."""

    def make(owner=None, pattern: str = "ab", fmt: str = "did:key") -> Pull:
        spec = PatternSpec(pattern=pattern, format=fmt, case_insensitive=True)
        (pull,), _ = queued(services.request_pulls, user=owner or user, spec=spec)
        return services.execute_pull(pull.pk)

    return make


def use_up_free_pulls(user) -> None:
    for _ in range(3):
        economy.spend_for_pull(user, reference="test:free")


def execute(client, body: dict):
    return client.post("/api/pulls/execute", data=json.dumps(body), content_type="application/json")
