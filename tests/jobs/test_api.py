"""The jobs API of PRODUCT.md §9: shapes, owner-only access (404 for anyone else), and bad
input to every endpoint refused with a clear 4xx that changes nothing."""
import json
import uuid

import pytest
from django.test import Client

from economy import selectors as wallet
from economy import services as economy
from economy.models import LedgerEntry
from jobs.models import Chunk, Job
from tests.factories import FundedUserFactory
from tests.jobs.factories import EASY, HARD, finish_job, make_job

pytestmark = pytest.mark.django_db

GO_BE_42 = {"pattern": "GO BE 42", "fuzzy": True}


def post(client: Client, url: str, body) -> object:
    return client.post(url, data=body if isinstance(body, str) else json.dumps(body), content_type="application/json")


@pytest.fixture
def owner(db):
    return FundedUserFactory(tokens=1_000_000)


@pytest.fixture
def api(owner, api_client_of):
    return api_client_of(owner)


def state() -> tuple:
    return Job.objects.count(), Chunk.objects.count(), LedgerEntry.objects.count()


def test_create_answers_201_with_the_job_and_its_price(api, owner, captured_enqueues):
    response = post(api, "/api/jobs/create", GO_BE_42)
    assert response.status_code == 201
    body = response.json()
    job = Job.objects.get()
    pattern = {"pattern": "GO BE 42", "format": "did:key", "case_insensitive": False, "fuzzy": True,
               "anchor": "anywhere", "mode": "words"}
    assert body == {"id": str(job.public_id), "number": 1, "status": "queued", "pattern": pattern, "price_tokens": 100,
                    "expected_keys": job.expected_keys, "paid_with": "tokens"}
    assert 82_000 < body["expected_keys"] < 84_000
    assert wallet.balance(owner) == 1_000_000 - 100


def test_detail_has_the_live_figures(api, owner, captured_enqueues):
    job = make_job(owner, HARD)
    body = api.get(f"/api/jobs/{job.public_id}").json()
    assert {"id", "status", "keys_tried", "keys_per_second", "p_found_by_now", "price_tokens", "refunded_tokens",
            "expected_keys", "workers_busy", "expected_matches_per_hour", "cancel_refund_tokens"} <= set(body)
    assert (body["status"], body["keys_tried"], body["p_found_by_now"], body["refunded_tokens"]) == ("queued", 0, 0.0, 0)
    assert body["cancel_refund_tokens"] == job.price_tokens and body["result"] is None


def test_cancel_applies_the_refund_and_a_second_cancel_changes_nothing(api, owner, captured_enqueues):
    job = make_job(owner, HARD)
    first = post(api, f"/api/jobs/{job.public_id}/cancel", {})
    assert first.status_code == 200
    assert (first.json()["status"], first.json()["refunded_tokens"]) == ("cancelled", job.price_tokens)
    before = state()
    second = post(api, f"/api/jobs/{job.public_id}/cancel", {})
    assert second.status_code == 200 and second.json() == first.json() and state() == before
    assert wallet.balance(owner) == 1_000_000


def test_the_result_of_a_done_job_is_the_pull_style_result_and_its_private_key(api, owner, captured_enqueues):
    job = finish_job(make_job(owner, EASY))
    response = api.get(f"/api/jobs/{job.public_id}/result")
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] and "private" in response["Cache-Control"]
    body = response.json()
    assert body["result"]["address"] == job.address and body["result"]["jackpot"] is True
    assert body["result"]["matches"] == job.matches and body["result"]["n"] == 1
    assert set(body["private_key"]) >= {"seed_hex", "jwk", "pkcs8_pem", "openssh_pem"}
    assert api.get(f"/api/jobs/{job.public_id}").json()["result"] == body["result"]

    assert api.delete(f"/api/jobs/{job.public_id}/key").status_code == 204
    after = api.get(f"/api/jobs/{job.public_id}/result").json()
    assert after["private_key"] is None and after["key_available"] is False
    assert api.delete(f"/api/jobs/{job.public_id}/key").status_code == 404


def test_history_lists_the_users_jobs_newest_first(api, owner, api_client_of, captured_enqueues):
    older, newer = make_job(owner, HARD), make_job(owner, EASY)
    make_job(FundedUserFactory(tokens=1_000), EASY)
    body = api.get("/api/jobs/").json()
    assert [item["id"] for item in body["items"]] == [str(newer.public_id), str(older.public_id)] and body["count"] == 2


def test_another_users_job_is_404_everywhere_and_unchanged(api, api_client_of, captured_enqueues):
    theirs = finish_job(make_job(FundedUserFactory(tokens=100_000), EASY))
    running = make_job(theirs.user, HARD)
    before = state()
    for response in (
        api.get(f"/api/jobs/{theirs.public_id}"),
        api.get(f"/api/jobs/{theirs.public_id}/result"),
        post(api, f"/api/jobs/{running.public_id}/cancel", {}),
        api.delete(f"/api/jobs/{theirs.public_id}/key"),
        api.get(f"/api/jobs/{uuid.uuid4()}"),
    ):
        assert response.status_code == 404
        assert response.json() == {"error": "not_found", "message": "No such job."}
    assert api.get(f"/api/jobs/{running.pk}").status_code == 404  # the integer key is no id
    assert state() == before and Job.objects.get(pk=running.pk).status == "queued"
    assert Job.objects.get(pk=theirs.pk).has_key


def test_not_logged_in_is_401():
    response = Client().post("/api/jobs/create", data=json.dumps(GO_BE_42), content_type="application/json")
    assert response.status_code == 401 and response.json()["error"] == "not_authenticated"
    assert Client().get(f"/api/jobs/{uuid.uuid4()}").status_code == 401


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({}, 400, "bad_request"),
        ({"pattern": ""}, 400, "bad_request"),
        ({"pattern": "GO", "format": "bitcoin"}, 400, "bad_request"),
        ({"pattern": "ab\x00cd"}, 400, "bad_request"),
        ({"pattern": "ab", "fuzzy": "yes"}, 400, "bad_request"),
        ({"pattern": "ab", "pay_with": "gold"}, 400, "bad_request"),
        ({"pattern": "ab", "price_tokens": -5}, 400, "bad_request"),
        ({"pattern": "GO"}, 400, "empty_class"),
        ({"pattern": "ab", "format": "onion", "anchor": "suffix"}, 422, "impossible"),
        ({"pattern": "^ab", "mode": "regex"}, 422, "guaranteed_not_offered"),
        ({"pattern": "GO BE AWE SOME", "fuzzy": True}, 422, "job_infeasible"),
        ({**GO_BE_42, "price_tokens": 99}, 409, "price_changed"),
        ({**GO_BE_42, "pay_with": "spark"}, 409, "spark_not_full"),
        ("[1, 2]", 400, "bad_request"),
        ("not json", 400, "bad_request"),
    ],
)
def test_bad_input_to_create_is_a_clear_4xx_and_changes_nothing(api, owner, captured_enqueues, body, status, code):
    before = state()
    response = post(api, "/api/jobs/create", body)
    assert response.status_code == status, response.content
    assert response.json()["error"] == code and response.json()["message"]
    assert state() == before and wallet.balance(owner) == 1_000_000 and captured_enqueues == []


def test_too_few_tokens_is_402_and_changes_nothing(api_client_of, captured_enqueues):
    poor = FundedUserFactory(tokens=10)
    before = state()
    response = post(api_client_of(poor), "/api/jobs/create", GO_BE_42)
    assert response.status_code == 402 and response.json()["error"] == "insufficient_tokens"
    assert state() == before


def test_a_spending_limit_is_402_by_name(api, owner, captured_enqueues):
    economy.wallet_set_limits(owner, per_day=10, per_month=None)
    response = post(api, "/api/jobs/create", GO_BE_42)
    assert response.status_code == 402 and response.json()["error"] == "spending_limit"


def test_bad_ids_and_states_are_clear_4xx(api, owner, captured_enqueues):
    job = make_job(owner, HARD)
    assert api.get(f"/api/jobs/{job.public_id}/result").json()["error"] == "job_not_done"
    assert api.get(f"/api/jobs/{job.public_id}/result").status_code == 409
    for url in ("/api/jobs/0", "/api/jobs/99999999999999999999999", "/api/jobs/-1", "/api/jobs/abc", "/api/jobs/1.5/result"):
        response = api.get(url)
        assert response.status_code == 404 and response.json()["error"] == "not_found", url
    done = finish_job(make_job(owner, EASY))
    before = state()
    response = post(api, f"/api/jobs/{done.public_id}/cancel", {})
    assert response.status_code == 409 and response.json()["error"] == "job_settled" and state() == before
    assert api.get(f"/api/jobs/{job.public_id}/cancel").status_code == 405


def test_quote_prices_a_pattern_without_paying(api, owner):
    body = post(api, "/api/jobs/quote", GO_BE_42).json()
    assert (body["price_tokens"], body["feasible"], body["spark"]["filled_tokens"]) == (100, True, 0)
    assert body["median_keys"] < body["expected_keys"] < body["p99_keys"]
    assert post(api, "/api/jobs/quote", {"pattern": "^a", "mode": "regex"}).status_code == 422
    assert not Job.objects.exists() and wallet.balance(owner) == 1_000_000
