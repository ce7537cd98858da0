"""Users, API tokens and ledger entries are known outside by a random public id (a UUID),
never by the global counter the database uses inside (PRODUCT.md §12): registering, /auth/me,
the ledger in the API and the account page's revoke links."""
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from accounts.models import ApiToken
from economy import services as economy
from tests.factories import ApiTokenFactory, LedgerEntryFactory

from .conftest import post_json

pytestmark = pytest.mark.django_db

SIGN_UP = {"password": "a long passphrase 42", "confirm_age": True, "accept_terms": True}


def register(username: str) -> dict:
    response = post_json(Client(), "/auth/register", {**SIGN_UP, "username": username, "email": f"{username}@example.com"})
    assert response.status_code == 201, response.content
    return response.json()


def test_a_second_registration_does_not_get_a_predictable_id():
    first, second = register("first"), register("second")

    ids = [uuid.UUID(first["id"]), uuid.UUID(second["id"])]
    users = [get_user_model().objects.get(username=name) for name in ("first", "second")]
    assert ids == [user.public_id for user in users]
    assert users[1].pk == users[0].pk + 1  # the counter inside…
    assert {first["id"], second["id"]}.isdisjoint({str(user.pk) for user in users})  # …never shown


def test_me_shows_the_public_id(user, api_client):
    me = api_client.get("/auth/me").json()
    assert me["id"] == str(user.public_id) != str(user.pk)


def test_ledger_ids_in_the_api_are_uuids_not_the_keys(user, api_client):
    entries = [LedgerEntryFactory(user=user, amount=100), LedgerEntryFactory(user=user, amount=-40, kind="job")]
    entries.append(economy.wallet_grant(user, amount=5, reason="welcome", created_by=None))

    items = api_client.get("/api/tokens/transactions").json()["items"]

    assert [uuid.UUID(item["id"]) for item in items] == [entry.public_id for entry in reversed(entries)]
    assert {item["id"] for item in items}.isdisjoint({str(entry.pk) for entry in entries})


def test_the_account_page_revokes_by_public_id(user, client_of):
    mine = ApiTokenFactory(user=user)
    page = client_of(user).get("/account").content.decode()
    assert f"/account/api-tokens/{mine.public_id}/revoke" in page
    assert f"/account/api-tokens/{mine.pk}/revoke" not in page
    assert client_of(user).post(f"/account/api-tokens/{mine.pk}/revoke").status_code == 404  # the key is no id


def test_a_foreign_tokens_revoke_url_is_404_and_revokes_nothing(user, other_user, client_of):
    theirs = ApiTokenFactory(user=other_user)

    response = client_of(user).post(f"/account/api-tokens/{theirs.public_id}/revoke")

    assert response.status_code == 404
    assert ApiToken.objects.get(pk=theirs.pk).revoked_at is None
    assert Client(headers={"Authorization": f"Bearer {theirs.token}"}).get("/auth/me").status_code == 200


def test_the_schema_says_these_ids_are_uuids():
    schemas = Client().get("/api/openapi.json").json()["components"]["schemas"]
    for name in ("RegisterOut", "MeOut", "EntryOut"):
        id_ = schemas[name]["properties"]["id"]
        assert (id_["type"], id_["format"]) == ("string", "uuid"), name
