"""Log-in by page and by API share allauth's per-account lockout (5 failures in 5 minutes),
whatever address the attempts come from, and cost the same for known and unknown logins."""
import pytest
from django.contrib.auth.hashers import MD5PasswordHasher

from accounts.models import ApiToken
from tests.factories import PASSWORD, UserFactory

from .conftest import assert_error, post_json

pytestmark = pytest.mark.django_db


def api_login(client, login: str, password: str):
    return post_json(client, "/auth/login", {"username": login, "password": password})


def page_login(client, login: str, password: str):
    return client.post("/accounts/login/", {"login": login, "password": password})


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_failures_by_api_from_many_addresses_lock_the_account_for_the_page_too(client_at):
    UserFactory(username="victim", email="victim@example.com")
    statuses = [api_login(client_at(i), "victim", "guess").status_code for i in range(5)]
    assert statuses == [401] * 5

    page = client_at(50)
    response = page_login(page, "victim", PASSWORD)
    assert not logged_in(page)
    assert "Too many failed login attempts" in response.content.decode()

    locked = assert_error(api_login(client_at(51), "victim", PASSWORD), 429, "rate_limited")
    assert "log-in attempts" in locked["message"]
    assert int(api_login(client_at(52), "victim", PASSWORD)["Retry-After"]) > 0
    assert not ApiToken.objects.exists()


def test_failures_on_the_page_lock_the_api_login(client_at):
    UserFactory(username="target")
    for i in range(5):
        page_login(client_at(i), "target", "guess")
    assert_error(api_login(client_at(60), "target", PASSWORD), 429, "rate_limited")


def test_by_email_the_lockout_is_the_pages_email_key(client_at):
    UserFactory(username="mailer", email="mailer@example.com")
    for i in range(5):
        assert api_login(client_at(i), "mailer@example.com", "guess").status_code == 401
    page = client_at(70)
    page_login(page, "Mailer@Example.com", PASSWORD)
    assert not logged_in(page)


def test_a_success_does_not_reset_the_count_of_failures(client_at):
    """allauth rolls back only the successful attempt, so interleaving good log-ins buys an
    attacker nothing."""
    UserFactory(username="steady")
    for i in range(4):
        api_login(client_at(i), "steady", "guess")
    assert api_login(client_at(10), "steady", PASSWORD).status_code == 200
    api_login(client_at(11), "steady", "guess")
    assert_error(api_login(client_at(12), "steady", PASSWORD), 429)


def test_an_inactive_account_cannot_log_in_by_api(client_at):
    UserFactory(username="gone", is_active=False)
    assert_error(api_login(client_at(1), "gone", PASSWORD), 401, "invalid_credentials")


class CountingHasher(MD5PasswordHasher):
    """MD5 (what the test users are hashed with) that counts every hash it computes: a new
    hash (``make_password``) and a check (``verify`` hashes through ``encode``) alike."""

    calls = 0

    def encode(self, password, salt):
        type(self).calls += 1
        return super().encode(password, salt)


@pytest.fixture
def counting_hasher(settings):
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    CountingHasher.calls = 0
    return CountingHasher


def hashes_for(client, login: str, password: str, hasher) -> tuple[int, int]:
    hasher.calls = 0
    status = api_login(client, login, password).status_code
    return status, hasher.calls


@pytest.mark.parametrize("login", ["known", "known@example.com"])
def test_an_unknown_login_costs_as_many_password_hashes_as_a_known_one(client_at, counting_hasher, login):
    """The probe saw ~480 ms for an existing account and ~9 ms for an unknown one: the
    unknown case skipped the hash. Counted, not timed, so a busy machine cannot flake it."""
    UserFactory(username="known", email="known@example.com")
    unknown = login.replace("known", "nobody")
    known_cost = hashes_for(client_at(1), login, "wrong password", counting_hasher)
    unknown_cost = hashes_for(client_at(2), unknown, "wrong password", counting_hasher)
    assert known_cost[0] == unknown_cost[0] == 401
    assert known_cost[1] == unknown_cost[1] >= 1
