"""The account page: balance, the ledger, self-set spending limits, API tokens."""
import json
import uuid

import pytest
from django.test import Client

from accounts.models import ApiToken
from economy import selectors as wallet
from economy import services as economy
from tests.factories import ApiTokenFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(user, client_of) -> Client:
    return client_of(user)


def bearer(token: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {token}"})


def test_the_account_page_shows_the_balance_and_the_ledger(logged_in, user):
    economy.wallet_grant(user, amount=250, reason="welcome <b>bonus</b>", created_by=None)
    page = logged_in.get("/account").content.decode()
    assert 'data-testid="account-balance">250<' in page
    assert "welcome &lt;b&gt;bonus&lt;/b&gt;" in page


def test_limits_set_on_the_page_are_enforced(logged_in, user):
    logged_in.post("/account/limits", {"tokens_per_day": "100", "tokens_per_month": ""})
    assert wallet.spending_limits(user).tokens_per_day == 100
    assert logged_in.post("/account/limits", {"tokens_per_day": "-5"}).status_code == 302
    assert wallet.spending_limits(user).tokens_per_day == 100


def test_limits_through_the_api(api_client, user):
    response = api_client.put("/api/tokens/limits", data=json.dumps({"tokens_per_day": 300}), content_type="application/json")
    assert response.json() == {"tokens_per_day": 300, "tokens_per_month": None, "spent_today": 0, "spent_this_month": 0}
    bad = api_client.put("/api/tokens/limits", data=json.dumps({"tokens_per_day": -1}), content_type="application/json")
    assert bad.status_code == 400
    assert api_client.get("/api/tokens/limits").json()["tokens_per_day"] == 300


def test_a_new_api_token_is_shown_once_and_can_be_revoked(logged_in, user):
    page = logged_in.post("/account/api-tokens").content.decode()
    token = page.split('data-testid="new-api-token">')[1].split("<")[0]
    assert bearer(token).get("/auth/me").status_code == 200
    assert token not in logged_in.get("/account").content.decode()
    stored = ApiToken.objects.get(user=user)
    assert logged_in.post(f"/account/api-tokens/{stored.public_id}/revoke").status_code == 302
    assert bearer(token).get("/auth/me").status_code == 401


def test_nobody_revokes_another_users_token(logged_in, other_user):
    theirs = ApiTokenFactory(user=other_user)

    response = logged_in.post(f"/account/api-tokens/{theirs.public_id}/revoke")

    assert response.status_code == 404
    assert ApiToken.objects.get(pk=theirs.pk).revoked_at is None
    assert bearer(theirs.token).get("/auth/me").status_code == 200


def test_revoking_a_revoked_or_missing_token_is_404(logged_in, user):
    mine = ApiTokenFactory(user=user)
    assert logged_in.post(f"/account/api-tokens/{mine.public_id}/revoke").status_code == 302

    assert logged_in.post(f"/account/api-tokens/{mine.public_id}/revoke").status_code == 404
    assert logged_in.post(f"/account/api-tokens/{uuid.uuid4()}/revoke").status_code == 404
