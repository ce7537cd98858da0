"""GET /api/tokens/balance and /api/tokens/transactions (PRODUCT.md §9): the caller's own, only."""
import pytest
from django.test import Client

from economy import services
from economy.models import LedgerEntry
from tests.factories import FundedUserFactory, pay_pulls

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pull_prices")]


def test_balance_shows_tokens_and_free_pulls_left(user, client_of):
    services.wallet_grant(user, amount=250, reason="test", created_by=None)
    pay_pulls(user, reference="pull:1")

    response = client_of(user).get("/api/tokens/balance")

    assert response.status_code == 200
    assert response.json() == {"balance": 250, "free_pulls_left": 2}


def test_balance_works_with_a_bearer_token(user, api_client):
    services.wallet_grant(user, amount=40, reason="test", created_by=None)
    assert api_client.get("/api/tokens/balance").json() == {"balance": 40, "free_pulls_left": 3}


@pytest.mark.parametrize("path", ["/api/tokens/balance", "/api/tokens/transactions"])
def test_anonymous_callers_get_401_in_the_error_shape(path):
    response = Client().get(path)

    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"
    assert response.json()["message"]


def test_transactions_are_the_ledger_newest_first(user, client_of):
    bought = services.wallet_credit(user, amount=500, kind=LedgerEntry.Kind.PURCHASE, reference="stripe:cs_1")
    free = pay_pulls(user, reference="pull:1")

    body = client_of(user).get("/api/tokens/transactions").json()

    assert (body["count"], body["page"], body["pages"]) == (2, 1, 1)
    first, second = body["items"]
    assert set(first) == {"id", "kind", "amount", "balance_after", "reference", "created_at"}
    assert (first["id"], first["kind"], first["amount"], first["balance_after"]) == (str(free.public_id), "free", 0, 500)
    assert (second["id"], second["kind"], second["amount"]) == (str(bought.public_id), "purchase", 500)
    assert second["reference"] == "stripe:cs_1"


def test_transactions_are_paginated(user, client_of):
    for n in range(25):
        services.wallet_grant(user, amount=1, reason=f"gift {n}", created_by=None, reference=f"gift:{n}")
    client = client_of(user)

    first = client.get("/api/tokens/transactions?page_size=10").json()
    last = client.get("/api/tokens/transactions?page=3&page_size=10").json()

    assert (first["count"], first["page"], first["pages"], len(first["items"])) == (25, 1, 3, 10)
    assert first["items"][0]["reference"] == "gift:24"
    assert (last["page"], len(last["items"]), last["items"][-1]["reference"]) == (3, 5, "gift:0")


def test_a_user_with_no_entries_has_one_empty_page(user, client_of):
    assert client_of(user).get("/api/tokens/transactions").json() == {"items": [], "count": 0, "page": 1, "pages": 1}


@pytest.mark.parametrize(
    "query", ["page=0", "page=-1", "page=abc", "page=2", "page_size=0", "page_size=101", "page_size=x", "page=1.5"]
)
def test_bad_page_values_are_400(user, client_of, query):
    services.wallet_grant(user, amount=1, reason="test", created_by=None)

    response = client_of(user).get(f"/api/tokens/transactions?{query}")

    assert response.status_code == 400
    assert response.json()["error"] == "bad_request"
    assert response.json()["message"]


def test_another_users_entries_are_never_shown(user, client_of):
    other = FundedUserFactory(tokens=999)
    services.wallet_grant(user, amount=5, reason="test", created_by=None)

    body = client_of(user).get("/api/tokens/transactions?page_size=100").json()

    assert body["count"] == 1
    assert [item["amount"] for item in body["items"]] == [5]
    assert client_of(user).get("/api/tokens/balance").json()["balance"] == 5
    assert client_of(other).get("/api/tokens/balance").json()["balance"] == 999
