"""Another user's object ids are 404 by session and by bearer token (pulls, their keys,
jobs, API tokens), and every state-changing form and session API call needs its CSRF
token: refused without it, and nothing changes."""
import pytest
from django.test import Client

from accounts.models import ApiToken
from economy import selectors as wallet
from economy import services as economy
from jobs import services as jobs
from patterns.engine import PatternSpec
from pulls.models import Pull
from tests.factories import ApiTokenFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def theirs(other_user, finished_pull, pull_prices):
    economy.wallet_grant(other_user, amount=10**6, reason="test", created_by=None)
    pull = finished_pull(owner=other_user)
    job = jobs.job_create(other_user, spec=PatternSpec(pattern="AB", case_insensitive=True))
    return {"pull": pull, "job": job, "token": ApiTokenFactory(user=other_user)}


def pull_urls(p):
    return {
        "api": [("get", f"/api/pulls/{p}"), ("get", f"/api/pulls/{p}/key"), ("delete", f"/api/pulls/{p}/key"),
                ("post", f"/api/pulls/{p}/keep"), ("post", f"/api/pulls/{p}/share"), ("delete", f"/api/pulls/{p}/share")],
        "pages": [("get", f"/pulls/{p}"), ("get", f"/pulls/{p}/panel"), ("get", f"/pulls/{p}/key"),
                  ("get", f"/pulls/{p}/key/id_ed25519"), ("post", f"/pulls/{p}/keep"), ("post", f"/pulls/{p}/erase"),
                  ("post", f"/pulls/{p}/share"), ("post", f"/pulls/{p}/unshare")],
    }


def job_urls(j):
    return {
        "api": [("get", f"/api/jobs/{j}"), ("get", f"/api/jobs/{j}/result"), ("post", f"/api/jobs/{j}/cancel"),
                ("delete", f"/api/jobs/{j}/key")],
        "pages": [("get", f"/jobs/{j}"), ("get", f"/jobs/{j}/panel"), ("get", f"/jobs/{j}/cancel"),
                  ("post", f"/jobs/{j}/cancel"), ("get", f"/jobs/{j}/key"), ("post", f"/jobs/{j}/erase")],
    }


def test_another_users_ids_are_404_by_bearer_and_by_session(theirs, api_client, client_of, user):
    session = client_of(user)
    pull, job = theirs["pull"], theirs["job"]
    calls = pull_urls(pull.public_id), job_urls(job.public_id)
    for urls in calls:
        for method, url in urls["api"]:
            for client in (api_client, session):
                response = getattr(client, method)(url)
                assert response.status_code == 404, (method, url, response.status_code)
                assert response.json()["error"] in ("not_found", "pull_not_found", "job_not_found"), url
        for method, url in urls["pages"]:
            assert getattr(session, method)(url).status_code == 404, (method, url)
    assert session.post(f"/account/api-tokens/{theirs['token'].public_id}/revoke").status_code == 404
    pull.refresh_from_db()
    assert pull.has_key and not pull.key_kept and not pull.share_token
    assert ApiToken.objects.get(pk=theirs["token"].pk).revoked_at is None


def test_listings_show_only_ones_own(theirs, api_client):
    assert api_client.get("/api/pulls/history").json()["count"] == 0
    assert api_client.get("/api/tokens/transactions").json()["count"] == 0
    assert api_client.get("/api/jobs/").json()["count"] == 0


@pytest.fixture
def csrf_client(user, pull_prices):
    economy.wallet_grant(user, amount=10**6, reason="test", created_by=None)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def test_every_state_changing_form_needs_the_csrf_token(csrf_client, user, finished_pull):
    pull = finished_pull()
    token = ApiTokenFactory(user=user)
    job = jobs.job_create(user, spec=PatternSpec(pattern="AB", case_insensitive=True))
    balance = wallet.balance(user)
    forms = [
        ("/app/pull", {"pattern": "ab", "format": "did:key", "anchor": "anywhere", "mode": "words"}),
        ("/jobs/create", {"pattern": "ab", "format": "did:key", "anchor": "anywhere", "mode": "words"}),
        ("/app/spark", {"pattern": "ab", "format": "did:key", "anchor": "anywhere", "mode": "words"}),
        (f"/pulls/{pull.public_id}/keep", {}), (f"/pulls/{pull.public_id}/erase", {}),
        (f"/pulls/{pull.public_id}/share", {}), (f"/pulls/{pull.public_id}/unshare", {}),
        (f"/jobs/{job.public_id}/cancel", {}), (f"/jobs/{job.public_id}/erase", {}),
        ("/account/api-tokens", {}), (f"/account/api-tokens/{token.public_id}/revoke", {}),
        ("/account/limits", {"tokens_per_day": "1", "tokens_per_month": "1"}),
        ("/pricing/checkout", {"pack": "starter"}),
        ("/accounts/password/change/", {"oldpassword": "x", "password1": "y" * 12, "password2": "y" * 12}),
        ("/accounts/email/", {"email": "new@example.com", "action_add": "1"}),
        ("/accounts/logout/", {}),
    ]
    for path, data in forms:
        response = csrf_client.post(path, data)
        assert response.status_code == 403, (path, response.status_code)
    pull.refresh_from_db()
    assert not pull.key_kept and pull.has_key and not pull.share_token
    assert Pull.objects.filter(user=user).count() == 1
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None
    assert wallet.balance(user) == balance
    assert wallet.spending_limits(user).tokens_per_day is None
    assert "_auth_user_id" in csrf_client.session  # not logged out


def test_session_api_calls_need_the_csrf_token(csrf_client, user, finished_pull):
    pull = finished_pull()
    calls = [
        ("post", "/api/pulls/execute", '{"pattern": "ab"}'),
        ("put", "/api/tokens/limits", '{"tokens_per_day": 1}'),
        ("delete", f"/api/pulls/{pull.public_id}/key", ""),
        ("post", f"/api/pulls/{pull.public_id}/keep", ""),
        ("post", "/api/jobs/create", '{"pattern": "ab", "case_insensitive": true}'),
        ("post", "/api/tokens/purchase", '{"pack": "starter"}'),
    ]
    for method, path, body in calls:
        response = getattr(csrf_client, method)(path, data=body, content_type="application/json")
        assert response.status_code == 403, (path, response.status_code, response.content[:200])
        assert set(response.json()) == {"error", "message"}
    pull.refresh_from_db()
    assert pull.has_key and not pull.key_kept
    assert Pull.objects.filter(user=user).count() == 1
    assert wallet.spending_limits(user).tokens_per_day is None


def test_with_the_token_the_same_session_call_works(csrf_client):
    csrf_client.get("/app")
    token = csrf_client.cookies["csrftoken"].value
    response = csrf_client.put("/api/tokens/limits", data='{"tokens_per_day": 7}', content_type="application/json",
                               headers={"X-CSRFToken": token})
    assert response.status_code == 200 and response.json()["tokens_per_day"] == 7
