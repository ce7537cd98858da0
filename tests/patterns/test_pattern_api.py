"""POST /api/patterns/validate and /api/patterns/estimate (PRODUCT.md §9)."""
import json

import pytest
from django.test import Client

from patterns.engine import odds
from patterns.engine.pattern import PatternSpec

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
    p_jackpot, exactly = odds.exact_odds(PatternSpec(pattern="ab cd", case_insensitive=True))
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
