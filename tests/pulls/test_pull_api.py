"""The pull API of PRODUCT.md §9: execute, status, history, key custody, owner-only access."""
import json

import pytest
from django.test import Client

from economy import selectors as wallet
from economy import services as economy
from patterns.engine import PatternSpec, compile_pattern, evaluate, get_format
from pulls import services
from pulls.models import Pull
from tests.factories import use_up_free_pulls

pytestmark = pytest.mark.django_db


def execute(client, body: dict):
    return client.post("/api/pulls/execute", data=json.dumps(body), content_type="application/json")


def test_execute_answers_202_at_once_and_uses_a_free_pull_first(api_client, user, queued):
    response, callbacks = queued(execute, api_client, {"pattern": "GO BE", "fuzzy": True, "case_insensitive": True})
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "queued"
    assert len(callbacks) == 1, "the grinding task is queued once the payment commits"
    assert wallet.free_pulls_left(user) == 2
    assert wallet.balance(user) == 0


def test_a_finished_pull_reports_progress_and_the_best_key(api_client, user, queued):
    response, _ = queued(execute, api_client, {"pattern": "ab cd", "case_insensitive": True})
    pull_id = response.json()["id"]
    services.pull_execute(Pull.objects.get(public_id=pull_id).pk)
    body = api_client.get(f"/api/pulls/{pull_id}").json()
    assert body["status"] == "done"
    assert body["progress"] == {"keys_tried": 3_000, "budget": 3_000}
    result = body["result"]
    assert result["address"].startswith("did:key:z6Mk")
    assert result["body"] == get_format("did:key").body(result["address"])
    compiled = compile_pattern(PatternSpec(pattern="ab cd", case_insensitive=True))
    again = evaluate(compiled, result["body"])
    assert (result["score"], result["n"], result["jackpot"]) == (again.score, 2, again.jackpot)
    assert result["missing"] == list(again.missing)
    assert [m["part"] for m in result["matches"]] == [part for part, _ in again.matches]


def test_no_free_pull_and_too_few_tokens_is_402_and_changes_nothing(api_client, user):
    use_up_free_pulls(user)
    economy.wallet_grant(user, amount=99, reason="almost enough", created_by=None)
    before = list(wallet.transactions(user).values_list("id", flat=True))
    response = execute(api_client, {"pattern": "ab"})
    assert response.status_code == 402
    assert response.json()["error"] == "insufficient_tokens"
    assert "needs 100" in response.json()["message"]
    assert not Pull.objects.exists()
    assert list(wallet.transactions(user).values_list("id", flat=True)) == before


@pytest.mark.parametrize(
    "body, status, code",
    [
        ({"pattern": "GO", "format": "did:key"}, 400, "empty_class"),
        ({"pattern": "Zz", "format": "onion", "anchor": "suffix"}, 400, None),
        ({"pattern": "a", "format": "nope"}, 400, "bad_request"),
        ({"pattern": ""}, 400, "bad_request"),
        ({"pattern": "a " * 9}, 400, "too_many_parts"),
        ({"pattern": "x" * 5000}, 400, "bad_request"),
        ({"pattern": "ab", "fuzzy": "yes"}, 400, "bad_request"),
        ({"pattern": "ab", "count": 3}, 400, "bad_request"),
        ({"pattern": "ab", "format": "onion", "anchor": "suffix"}, 422, "impossible"),
    ],
)
def test_bad_patterns_are_refused_before_any_token_moves(api_client, user, body, status, code):
    response = execute(api_client, body)
    assert response.status_code == status, response.content
    if code:
        assert response.json()["error"] == code
    assert response.json()["message"]
    assert not Pull.objects.exists()
    assert wallet.free_pulls_left(user) == 3


def test_the_did_key_error_names_the_character_and_the_fix(api_client):
    message = execute(api_client, {"pattern": "GO"}).json()["message"]
    assert "'O'" in message and "did:key" in message and "fuzzy" in message


def test_another_user_gets_404_for_the_pull_its_key_and_actions(finished_pull, other_user, api_client_of):
    pull = finished_pull()
    stranger = api_client_of(other_user)
    for method, path in [
        ("get", f"/api/pulls/{pull.public_id}"),
        ("get", f"/api/pulls/{pull.public_id}/key"),
        ("post", f"/api/pulls/{pull.public_id}/keep"),
        ("delete", f"/api/pulls/{pull.public_id}/key"),
        ("post", f"/api/pulls/{pull.public_id}/share"),
        ("get", "/api/pulls/999999"),
    ]:
        response = getattr(stranger, method)(path)
        assert response.status_code == 404, path
        assert response.json()["error"] == "not_found"
    pull.refresh_from_db()
    assert pull.has_key and not pull.key_kept and not pull.share_token


def test_anonymous_calls_are_401(finished_pull):
    pull = finished_pull()
    assert Client().get(f"/api/pulls/{pull.public_id}").status_code == 401
    assert execute(Client(), {"pattern": "ab"}).status_code == 401


def test_history_is_newest_first_and_filters_by_score_and_jackpot(api_client, user, finished_pull):
    pulls = [finished_pull(pattern="a"), finished_pull(pattern="zzzzzzzzzzzzzzzz yyyyyyyyyyyyyyyy")]
    body = api_client.get("/api/pulls/history").json()
    assert [item["id"] for item in body["items"]] == [str(pulls[1].public_id), str(pulls[0].public_id)]
    assert body["count"] == 2
    only_jackpots = api_client.get("/api/pulls/history?jackpot=true").json()["items"]
    assert [item["id"] for item in only_jackpots] == [str(pulls[0].public_id)]
    scored = api_client.get("/api/pulls/history?min_score=1").json()["items"]
    assert str(pulls[0].public_id) in [item["id"] for item in scored]
    assert str(pulls[1].public_id) not in [item["id"] for item in scored]
    assert api_client.get("/api/pulls/history?min_score=abc").status_code == 400
    assert api_client.get("/api/pulls/history?page=0").status_code == 400


def test_ten_pulls_for_ten_times_the_cost_in_one_debit(api_client, user, queued):
    economy.wallet_grant(user, amount=1_000, reason="test", created_by=None)
    response, callbacks = queued(execute, api_client, {"pattern": "ab", "count": 10})
    assert response.status_code == 202
    assert len(response.json()["ids"]) == 10 and len(callbacks) == 1
    assert wallet.balance(user) == 0
    assert wallet.free_pulls_left(user) == 3
    debits = [entry for entry in wallet.transactions(user) if entry.amount < 0]
    assert [entry.amount for entry in debits] == [-1_000]


def test_pulls_are_rate_limited_per_user_through_the_api_and_the_page(api_client, user, settings, queued, client_of):
    settings.THROTTLE_PULL_RATE = "2/m"
    for _ in range(2):
        assert queued(execute, api_client, {"pattern": "ab"})[0].status_code == 202
    refused = execute(api_client, {"pattern": "ab"})
    assert refused.status_code == 429 and refused.json()["error"] == "rate_limited"
    page = client_of(user).post("/app/pull", {"pattern": "ab", "format": "did:key", "anchor": "anywhere", "mode": "words"})
    assert page.status_code == 429 and "Too many pulls" in page.content.decode()
    assert Pull.objects.count() == 2
