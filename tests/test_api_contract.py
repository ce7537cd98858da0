"""Every JSON endpoint in the OpenAPI schema answers bad input with a 4xx JSON error in the
shape of PRODUCT.md §9, never a 500, and a refused call changes nothing."""
import json

import pytest
from django.test import Client

from economy import selectors as wallet
from pulls.models import Pull
from tests.factories import use_up_free_pulls

pytestmark = pytest.mark.django_db

BAD_BODIES = [
    "",
    "not json",
    "[]",
    "null",
    json.dumps({"pattern": None}),
    json.dumps({"pattern": 12, "format": ["did:key"], "fuzzy": "maybe", "budget": -1}),
    json.dumps({"pattern": "a" * 100_000, "username": "u" * 100_000, "password": "p" * 100_000}),
    json.dumps({"pattern": "ab", "count": 10**30, "budget": 10**30}),
    json.dumps({"pattern": "a\u0000|b", "mode": "regex", "username": "bob\u0000", "password": "x\u0000"}),
    json.dumps({"pattern": "(?i)abc", "mode": "regex"}),
    json.dumps({"pattern": "(a)\\1", "mode": "regex"}),
    json.dumps({"pattern": "(?au)x", "mode": "regex"}),
    json.dumps({"pattern": "(?V0)(?V1)x", "mode": "regex", "anchor": "prefix"}),
]
BAD_IDS = ["0", "999999999", "-1", "abc", "99999999999999999999999"]


def operations(client: Client) -> list[tuple[str, str]]:
    schema = client.get("/api/openapi.json").json()
    return [(method, path) for path, item in schema["paths"].items() for method in item]


def concrete(path: str, pull_id: str) -> str:
    return path.replace("{pull_id}", pull_id)


def assert_clean_refusal(response) -> None:
    assert response.status_code < 500, (response.request, response.content[:300])
    if response.status_code >= 400:
        body = response.json()
        assert set(body) == {"error", "message"} and body["message"], body


def test_every_endpoint_refuses_garbage_cleanly(api_client, user, other_user):
    use_up_free_pulls(user)
    balance_before = wallet.balance(user)
    for method, path in operations(api_client):
        if path == "/auth/logout":
            continue  # it takes no body; revoking the token here would turn every later call into a 401
        for pull_id in BAD_IDS:
            url = concrete(path, pull_id)
            for body in BAD_BODIES:
                response = api_client.generic(method.upper(), url, data=body, content_type="application/json")
                assert_clean_refusal(response)
                assert response.status_code != 401, url
            if "{" not in path:
                break
    assert not Pull.objects.exists()
    assert wallet.balance(user) == balance_before


def test_query_strings_are_validated_too(api_client):
    for url in ("/api/pulls/history?page=-3", "/api/pulls/history?page_size=100000", "/api/pulls/history?jackpot=perhaps",
                "/api/tokens/transactions?page=abc", "/api/tokens/transactions?page=99"):
        response = api_client.get(url)
        assert response.status_code == 400, url
        assert_clean_refusal(response)
