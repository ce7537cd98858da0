"""Fixtures every app's tests share: users, logged-in clients, round pull prices, a finished pull."""
import pytest
from django.core.cache import cache
from django.test import Client

from tests.factories import ApiTokenFactory, PullFactory, UserFactory


@pytest.fixture(autouse=True)
def fresh_cache():
    """Throttle counters and cached figures never leak between tests."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Hashing strength is Django's concern, not these tests'; MD5 keeps users cheap."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def pull_prices(settings):
    """Round numbers for pull tests: 3 free pulls a day, then 100 tokens a pull; pulls
    grind a few thousand keys, so a test that finishes one stays quick."""
    settings.FREE_PULLS_PER_DAY = 3
    settings.PULL_COST_TOKENS = 100
    settings.PULL_BUDGET_KEYS = 3_000
    return settings


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def other_user(db):
    return UserFactory()


@pytest.fixture
def staff(db):
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def client_of(db):
    """A logged-in session for any user, e.g. ``client_of(other_user)`` (CSRF not enforced)."""

    def logged_in(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return logged_in


@pytest.fixture
def api_client_of(db):
    """A script client holding a bearer token of any user, e.g. ``api_client_of(other_user)``."""

    def with_token(user) -> Client:
        return Client(headers={"Authorization": f"Bearer {ApiTokenFactory(user=user).token}"})

    return with_token


@pytest.fixture
def browser_client(user) -> Client:
    """A logged-in browser session (session auth, CSRF enforced like a real browser)."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


@pytest.fixture
def api_client(user, api_client_of) -> Client:
    """A script client holding a bearer token for ``user``."""
    return api_client_of(user)


@pytest.fixture
def admin_client(staff, client_of) -> Client:
    """A session of ``staff`` (a superuser) in the admin."""
    return client_of(staff)


@pytest.fixture
def finished_pull(user, pull_prices):
    """A pull a user made (``user`` unless another owner is given) and a worker finished."""

    def make(owner=None, pattern: str = "ab", fmt: str = "did:key"):
        return PullFactory(user=owner or user, pattern=pattern, format=fmt, case_insensitive=True, finished=True)

    return make
