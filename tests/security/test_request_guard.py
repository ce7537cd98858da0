"""What no endpoint has to handle: NUL and lone surrogates, oversized bodies, bodies not
declared JSON, non-object JSON bodies, HEAD, and 405 answers without Allow."""
import json

import pytest
from django.test import Client

from economy import selectors as economy_selectors
from tests.factories import PullFactory

from .conftest import assert_error, post_json

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/s/%00", "/s/abc%00def", "/pulls/%00", "/api/pulls/%00", "/%00", "/s/%ED%A0%80"])
def test_nul_in_a_path_is_a_404_never_a_500(path, api_client):
    response = api_client.get(path)
    assert response.status_code == 404, response.content[:300]


@pytest.mark.parametrize("query", ["status=%00", "q=a%00b", "%00=1", "o=%00"])
def test_nul_in_the_admin_query_string_is_a_400(admin_client, query):
    assert admin_client.get(f"/admin/pulls/pull/?{query}").status_code == 400


@pytest.mark.parametrize("url", ["/history?min_score=%00", "/api/pulls/history?jackpot=%00", "/app?pattern=%00"])
def test_nul_in_any_query_string_is_a_400(client_of, api_client, user, url):
    client = api_client if url.startswith("/api/") else client_of(user)
    response = client.get(url)
    assert response.status_code == 400
    if url.startswith("/api/"):
        assert_error(response, 400, "bad_request")


def test_a_nul_in_a_cookie_is_ignored_not_a_500():
    client = Client()
    client.cookies["sessionid"] = "abcdefgh\x00ijkl"
    client.cookies["csrftoken"] = "x\x00"
    assert client.get("/").status_code == 200


def test_a_lone_surrogate_in_a_json_body_is_a_400(api_client):
    body = '{"pattern": "ab\\ud800"}'
    assert_error(post_json(api_client, "/api/patterns/validate", body), 400)
    assert_error(post_json(api_client, "/api/pulls/execute", body), 400)
    assert_error(post_json(Client(), "/auth/login", '{"username": "\\udfff", "password": "x"}'), 400)


@pytest.mark.parametrize("debug", [True, False])
def test_a_body_over_the_limit_is_a_413_json_on_the_api(settings, api_client, debug):
    settings.DEBUG = debug
    big = json.dumps({"pattern": "a" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)})
    response = post_json(api_client, "/api/patterns/validate", big)
    assert_error(response, 413, "too_large")
    assert b"Traceback" not in response.content


@pytest.mark.parametrize("debug", [True, False])
def test_a_body_over_the_limit_is_a_plain_error_page_on_the_site(settings, client_of, user, debug):
    settings.DEBUG = debug
    big = "pattern=" + "a" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)
    response = client_of(user).post("/app/pull", data=big, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    page = response.content.decode()
    assert "Traceback" not in page and "DATA_UPLOAD_MAX_MEMORY_SIZE" not in page and "Django" not in page
    assert 'data-testid="error-page"' in page


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"])
def test_register_requires_a_json_body(content_type):
    """A foreign page can send text/plain or a form cross-origin without a preflight;
    a JSON content type it cannot."""
    body = json.dumps({"username": "csrfd", "email": "c@example.com", "password": "a long passphrase 42",
                       "confirm_age": True, "accept_terms": True})
    response = Client().post("/auth/register", data=body, content_type=content_type,
                             headers={"Origin": "https://evil.example"})
    assert_error(response, 415, "unsupported_media_type")
    from django.contrib.auth import get_user_model
    assert not get_user_model().objects.filter(username="csrfd").exists()


@pytest.mark.parametrize("body", ["123", '"x"', "null", "true", "[5]", "[]", "1.5"])
def test_a_non_object_json_body_is_a_400_that_changes_nothing(api_client, user, body):
    api_client.put("/api/tokens/limits", data=json.dumps({"tokens_per_day": 300, "tokens_per_month": 3000}),
                   content_type="application/json")
    response = api_client.put("/api/tokens/limits", data=body, content_type="application/json")
    assert_error(response, 400, "bad_request")
    limits = economy_selectors.spending_limits(user)
    assert (limits.tokens_per_day, limits.tokens_per_month) == (300, 3000)


@pytest.mark.parametrize("path", ["/auth/register", "/api/patterns/validate", "/api/pulls/execute"])
def test_non_object_bodies_are_refused_by_every_operation(api_client, path):
    for body in ("123", "[1]", "null"):
        assert_error(post_json(api_client, path, body), 400)


@pytest.mark.parametrize("method, path, allowed", [
    ("get", "/auth/register", "POST"),
    ("delete", "/api/patterns/validate", "POST"),
    ("post", "/api/tokens/balance", "GET"),
    ("patch", "/api/tokens/limits", "GET, PUT"),
])
def test_405_answers_carry_allow(api_client, method, path, allowed):
    response = getattr(api_client, method)(path)
    assert_error(response, 405)
    assert {m.strip() for m in response["Allow"].split(",")} >= {m.strip() for m in allowed.split(",")}


def test_405_on_a_page_carries_allow(client_of, user):
    response = client_of(user).delete("/account")
    assert response.status_code == 405
    assert "GET" in response["Allow"]


@pytest.mark.parametrize("path", ["/", "/app", "/pricing", "/how-it-works", "/api/openapi.json", "/api/docs",
                                  "/auth/me", "/api/tokens/balance", "/api/pulls/history", "/history", "/account"])
def test_head_works_wherever_get_does(client_of, user, api_client, path):
    client = api_client if path.startswith(("/api/", "/auth/")) else client_of(user)
    got = client.get(path)
    head = client.head(path)
    assert got.status_code == 200, path
    assert head.status_code == 200, (path, head.status_code)
    assert head.content == b""
    assert head["Content-Type"] == got["Content-Type"]


def test_head_of_a_shared_page_and_of_a_pull(api_client, user, finished_pull):
    pull = finished_pull()
    assert api_client.head(f"/api/pulls/{pull.public_id}").status_code == 200
    response = api_client.post(f"/api/pulls/{pull.public_id}/share")
    assert response.status_code == 200, response.content
    share_url = response.json()["share_url"]
    assert Client().head(share_url.split("testserver", 1)[1]).status_code == 200
    assert PullFactory  # the factory makes the pulls the fixture returns
