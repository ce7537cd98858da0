"""JSON auth for scripts: register, log in, bearer tokens, log out, me (PRODUCT.md §9)."""
import json

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from accounts import selectors
from accounts.models import ApiToken
from accounts.services import TERMS_VERSION
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

GOOD = {
    "username": "alice",
    "email": "alice@example.com",
    "password": "a long passphrase 42",
    "confirm_age": True,
    "accept_terms": True,
}


def post(client: Client, path: str, body, **headers):
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post(path, data=data, content_type="application/json", headers=headers)


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    payload = response.json()
    assert set(payload) == {"error", "message"}
    assert payload["message"]
    if code:
        assert payload["error"] == code
    return payload


def test_register_creates_user_with_consent_and_returns_201():
    response = post(Client(), "/auth/register", GOOD)
    assert response.status_code == 201
    body = response.json()
    assert body["username"] == "alice"
    user = get_user_model().objects.get(public_id=body["id"])
    assert user.check_password(GOOD["password"])
    assert user.age_confirmed_at and user.terms_accepted_at
    assert user.terms_version == TERMS_VERSION


@pytest.mark.parametrize(
    "change, message_part",
    [
        ({"confirm_age": False}, "18"),
        ({"accept_terms": False}, "terms"),
        ({"password": "123"}, "password"),
        ({"email": "not-an-email"}, "email"),
        ({"username": "bad name!"}, "username"),
    ],
)
def test_register_refuses_bad_input_and_creates_nothing(change, message_part):
    response = post(Client(), "/auth/register", {**GOOD, **change})
    payload = assert_error(response, 400, "bad_request")
    assert message_part in payload["message"].lower()
    assert not get_user_model().objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"username": "alice"},
        {**GOOD, "confirm_age": "yes"},
        {**GOOD, "username": "x" * 10_000},
        {**GOOD, "password": 12345},
        "not json at all",
        "[1, 2, 3]",
    ],
)
def test_register_rejects_malformed_bodies_with_400(body):
    assert_error(post(Client(), "/auth/register", body), 400)
    assert not get_user_model().objects.exists()


def test_register_twice_is_a_conflict_for_the_username_only():
    """A taken username is a 409; a taken e-mail is not refused (that would tell anyone which
    addresses have accounts: tests/security/test_enumeration.py)."""
    post(Client(), "/auth/register", GOOD)
    assert_error(post(Client(), "/auth/register", {**GOOD, "email": "other@example.com"}), 409, "conflict")
    assert post(Client(), "/auth/register", {**GOOD, "username": "bob"}).status_code == 201
    assert get_user_model().objects.count() == 2


def test_login_by_username_or_email_returns_a_token_that_is_stored_hashed():
    user = UserFactory(username="carol", email="carol@example.com")
    for login in ("carol", "carol@example.com"):
        response = post(Client(), "/auth/login", {"username": login, "password": PASSWORD})
        assert response.status_code == 200
        token = response.json()["token"]
        assert not ApiToken.objects.filter(token_hash=token).exists()
        assert ApiToken.objects.filter(user=user, prefix=token[:10]).exists()


def test_login_by_an_email_shared_by_two_accounts_logs_into_the_one_whose_password_matches():
    """Sign-up never refuses a taken e-mail (enumeration prevention), so an address may have
    several accounts; saying so would reveal it: the password decides, as on the page."""
    UserFactory(username="twin1", email="twin@example.com")
    twin2 = UserFactory(username="twin2", email="twin@example.com")
    twin2.set_password("the other twin's passphrase")
    twin2.save()
    token = post(Client(), "/auth/login", {"username": "twin@example.com", "password": "the other twin's passphrase"})
    assert ApiToken.objects.get(prefix=token.json()["token"][:10]).user == twin2
    assert_error(post(Client(), "/auth/login", {"username": "twin@example.com", "password": "neither"}), 401)
    assert post(Client(), "/auth/login", {"username": "twin1", "password": PASSWORD}).status_code == 200


def test_login_with_a_wrong_password_is_401():
    UserFactory(username="dave")
    assert_error(post(Client(), "/auth/login", {"username": "dave", "password": "nope"}), 401)
    assert_error(post(Client(), "/auth/login", {"username": "nobody", "password": "nope"}), 401)
    assert not ApiToken.objects.exists()


def test_me_with_a_bearer_token_and_logout_revokes_it():
    user = UserFactory(username="erin")
    token = post(Client(), "/auth/login", {"username": "erin", "password": PASSWORD}).json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    me = Client().get("/auth/me", headers=auth)
    assert me.status_code == 200
    assert me.json() == {
        "id": str(user.public_id),
        "username": "erin",
        "email": user.email,
        "balance": 0,
        "free_pulls_left": 3,
    }
    assert post(Client(), "/auth/logout", {}, **auth).status_code == 204
    assert_error(Client().get("/auth/me", headers=auth), 401, "not_authenticated")


@pytest.mark.parametrize("header", [None, "Bearer nonsense", "Basic abc", "Bearer "])
def test_me_without_a_valid_token_is_401(header):
    headers = {"Authorization": header} if header else {}
    assert_error(Client().get("/auth/me", headers=headers), 401, "not_authenticated")


def test_session_api_calls_need_the_csrf_token(browser_client, user):
    assert browser_client.get("/auth/me").json()["username"] == user.username
    response = browser_client.post("/api/pulls/execute", data="{}", content_type="application/json")
    assert response.status_code in (401, 403)
    assert set(response.json()) == {"error", "message"}


def test_openapi_schema_lists_the_contract():
    schema = Client().get("/api/openapi.json").json()
    for path in ("/auth/register", "/auth/login", "/auth/logout", "/auth/me", "/api/tokens/balance",
                 "/api/tokens/transactions", "/api/patterns/validate", "/api/patterns/estimate",
                 "/api/pulls/execute", "/api/pulls/{pull_id}", "/api/pulls/history"):
        assert path in schema["paths"], path
    assert Client().get("/api/docs").status_code == 200


@pytest.mark.parametrize("method, path, status", [
    ("get", "/api/nothing-here", 404),
    ("get", "/auth/register", 405),
    ("delete", "/api/patterns/validate", 405),
])
def test_unknown_paths_and_methods_answer_in_the_error_shape(method, path, status):
    assert_error(getattr(Client(), method)(path), status)


def test_a_token_records_when_it_was_last_used():
    UserFactory(username="ivan")
    token = post(Client(), "/auth/login", {"username": "ivan", "password": PASSWORD}).json()["token"]
    assert ApiToken.objects.get().last_used_at is None
    Client().get("/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert ApiToken.objects.get().last_used_at is not None


@pytest.mark.parametrize("field", ["username", "password"])
def test_control_characters_are_refused_not_stored(field):
    body = {**GOOD, field: GOOD[field] + "\u0000"}
    assert_error(post(Client(), "/auth/register", body), 400, "bad_request")
    assert_error(post(Client(), "/auth/login", {"username": "x\u0000", "password": "y"}), 400)
    assert not get_user_model().objects.exists()


def test_log_in_is_rate_limited_per_ip_but_not_by_other_endpoints():
    UserFactory(username="judy")
    client = Client()
    for _ in range(25):
        post(client, "/api/patterns/validate", {"pattern": "ab"})
    assert post(client, "/auth/login", {"username": "judy", "password": PASSWORD}).status_code == 200
    statuses = [post(client, "/auth/login", {"username": "judy", "password": "wrong"}).status_code for _ in range(25)]
    assert statuses[-1] == 429
    assert_error(post(client, "/auth/login", {"username": "judy", "password": PASSWORD}), 429, "rate_limited")


def test_a_forged_forwarded_for_header_does_not_escape_the_log_in_limit():
    UserFactory(username="kim")
    statuses = [
        post(Client(), "/auth/login", {"username": "kim", "password": "wrong"}, **{"X-Forwarded-For": f"10.0.0.{i}"}).status_code
        for i in range(25)
    ]
    assert statuses[-1] == 429


def test_an_exact_username_wins_over_a_case_variant():
    UserFactory(username="Bob")
    bob = UserFactory(username="bob")
    assert selectors.user_by_login("bob") == bob
    assert selectors.user_by_login("BOB") is None
