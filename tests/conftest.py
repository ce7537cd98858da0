import pytest
from django.core.cache import cache
from django.test import Client

from accounts import services as account_services
from tests.factories import UserFactory


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
def user(db):
    return UserFactory()


@pytest.fixture
def other_user(db):
    return UserFactory()


@pytest.fixture
def browser_client(user) -> Client:
    """A logged-in browser session (session auth, CSRF enforced like a real browser)."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


@pytest.fixture
def api_client(user) -> Client:
    """A script client holding a bearer token for ``user``."""
    token = account_services.issue_token(user)
    return Client(headers={"Authorization": f"Bearer {token}"})
