"""POST /api/patterns/validate and /api/patterns/estimate (PRODUCT.md §9)."""
import json
import time

import pytest
from django.test import Client

from patterns.engine import PatternSpec, exact_odds

pytestmark = pytest.mark.django_db


def post(path: str, body) -> "Client":
    return Client().post(path, data=json.dumps(body), content_type="application/json")


def test_validate_lists_every_problem_with_code_part_and_char():
    body = post("/api/patterns/validate", {"pattern": "GO Il", "format": "did:key"}).json()
    assert body["valid"] is False
    assert {(e["code"], e["part"], e["char"]) for e in body["errors"]} >= {("empty_class", "GO", "O"), ("empty_class", "Il", "I")}
    assert all(e["message"] for e in body["errors"])


def test_validate_accepts_a_good_pattern():
    assert post("/api/patterns/validate", {"pattern": "GO BE", "fuzzy": True}).json() == {"valid": True, "errors": []}


def test_estimate_gives_the_same_exact_odds_as_the_engine():
    body = post("/api/patterns/estimate", {"pattern": "ab cd", "case_insensitive": True, "budget": 5000}).json()
    p_jackpot, exactly = exact_odds(PatternSpec(pattern="ab cd", case_insensitive=True))
    assert body["p_jackpot"] == pytest.approx(p_jackpot, rel=1e-12)
    assert body["p_score_at_least"][0] == pytest.approx(1.0)
    assert len(body["p_score_at_least"]) == 3
    assert body["budget"] == 5000
    assert body["pull"]["p_jackpot"] == pytest.approx(1 - (1 - p_jackpot) ** 5000)


@pytest.mark.parametrize(
    "body, status",
    [
        ({"pattern": "ab", "format": "onion", "anchor": "suffix"}, 422),
        ({"pattern": "GO"}, 400),
        ({"pattern": "ab", "budget": 0}, 400),
        ({"pattern": "ab", "budget": "many"}, 400),
        ({"pattern": "ab", "anchor": "middle"}, 400),
        ({"format": "did:key"}, 400),
        ({"pattern": "(unclosed", "mode": "regex"}, 400),
    ],
)
def test_estimate_refuses_bad_input_with_a_clear_error(body, status):
    response = post("/api/patterns/estimate", body)
    assert response.status_code == status
    assert set(response.json()) == {"error", "message"} and response.json()["message"]


def timed_post(path: str, body) -> tuple["Client", float]:
    started = time.perf_counter()
    response = post(path, body)
    return response, time.perf_counter() - started


@pytest.mark.parametrize("pattern", [r"(\w|[a-z])+\W", r"(a|a)+b"])
def test_estimate_refuses_a_catastrophically_backtracking_regex_quickly(pattern):
    response, seconds = timed_post("/api/patterns/estimate", {"pattern": pattern, "mode": "regex"})
    assert response.status_code == 400 and response.json()["error"] == "too_slow"
    assert "catastrophic backtracking" in response.json()["message"]
    assert seconds < 10


def test_the_reported_redos_regex_answers_quickly_and_never_500():
    # (\w+\w+)+! hung the stdlib re; the `regex` package searches it in linear time, so
    # it is answered (200) or refused as too slow on a loaded machine (400), quickly
    response, seconds = timed_post("/api/patterns/estimate", {"pattern": r"(\w+\w+)+!", "mode": "regex"})
    assert response.status_code in (200, 400) and seconds < 10
    if response.status_code == 400:
        assert response.json()["error"] == "too_slow"


@pytest.mark.parametrize("pattern", ["(?i)abc", r"(a)\1", r"(a)(b)\2", "x(?i)abc"])
@pytest.mark.parametrize("anchor", ["anywhere", "prefix", "suffix"])
def test_regexes_that_used_to_crash_compilation_never_give_a_500(pattern, anchor):
    response = post("/api/patterns/estimate", {"pattern": pattern, "mode": "regex", "anchor": anchor})
    assert response.status_code == 200
    assert response.json()["estimated"] is True


@pytest.mark.parametrize("pattern, code", [
    ("a{4294967294}", "regex_too_large"), ("ab\u200dc", "bad_character"), ("(?x) a b", "bad_regex")])
def test_estimate_refuses_unsafe_regexes_with_their_code(pattern, code):
    response = post("/api/patterns/estimate", {"pattern": pattern, "mode": "regex"})
    assert response.status_code == 400 and response.json()["error"] == code


def test_validate_names_a_too_slow_regex():
    body = post("/api/patterns/validate", {"pattern": r"(\w|[a-z])+\W", "mode": "regex"}).json()
    assert body["valid"] is False and [e["code"] for e in body["errors"]] == ["too_slow"]


def test_tabs_and_newlines_separate_parts_like_spaces():
    body = post("/api/patterns/estimate", {"pattern": "ab\tcd\nef"}).json()
    assert body["parts"] == ["ab", "cd", "ef"]
