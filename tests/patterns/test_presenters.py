"""The odds JSON of PRODUCT.md §4/§9, pinned byte for byte.

``estimate_golden.json`` was recorded from the engine while it still formatted its own
odds (before ``odds.estimate`` returned a dataclass), then re-recorded once when the
presentation changed on purpose (numbers past a quadrillion in scientific form, times
under a second said so, expected dollars at the smallest pack's price, the verdict
flags); the presenter must turn today's dataclass into exactly that JSON, through the
engine, ``manage.py estimate --json`` and ``POST /api/patterns/estimate``. Regex patterns are sampled from the fixed test keys, so
their figures are pinned too.
"""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from patterns import presenters
from patterns.engine import PatternSpec, estimate, odds
from tests.patterns._bodies import real_bodies

GOLDEN = json.loads((Path(__file__).with_name("estimate_golden.json")).read_text())

PRICES = {"pull_cost_tokens": 100, "dollars_per_token": 0.004999}
ENGINE_CASES = {
    "words_fuzzy_ci": (PatternSpec("GO BE AWE SOME", fuzzy=True, case_insensitive=True),
                       {"budget": 100_000, "keys_per_second": 100_000.0}),
    "onion_prefix": (PatternSpec("ab", "onion", anchor="prefix"), {"budget": 500, "keys_per_second": 1000.0}),
    "no_rate": (PatternSpec("ab cd", case_insensitive=True), {"budget": 5000, "keys_per_second": None}),
    "eight_parts_tiny": (PatternSpec("GO BE AWE SOME FOO BAR BAZ QUX", "solana", fuzzy=True, case_insensitive=True),
                         {"budget": 100_000, "keys_per_second": 250_000.0}),
    "almost_certain": (PatternSpec("a", "ssh", fuzzy=True, case_insensitive=True),
                       {"budget": 100_000, "keys_per_second": 3.0}),
    "fingerprint_suffix": (PatternSpec("sw", "ssh-fp", case_insensitive=True, anchor="suffix"),
                           {"budget": 1, "keys_per_second": 50_000.0}),
    "regex": (PatternSpec("[a-c]", mode="regex"), {"budget": 10, "keys_per_second": None, "samples": 500}),
    "regex_prefix": (PatternSpec(r"(\w)\1", "ssh-fp", mode="regex", anchor="prefix"),
                     {"budget": 100_000, "keys_per_second": 1e5, "samples": 3000}),
}
COMMAND_ARGS = ["ab", "--format", "onion", "--anchor", "prefix", "--budget", "500", "--keys-per-second", "1000",
                "--json"]
API_BODY = {"pattern": "ab cd", "case_insensitive": True, "budget": 5000}


@pytest.fixture(autouse=True)
def fixed_samples(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(odds, "sample_bodies", lambda fmt, count: list(real_bodies(fmt.name, count)))


@pytest.fixture
def fixed_prices(settings) -> None:
    settings.PULL_COST_TOKENS = 100
    settings.GRIND_POOL_WORKERS = 2
    settings.TOKEN_PACKS = {"starter": {"tokens": 100, "price_cents": 99},
                            "whale": {"tokens": 10000, "price_cents": 4999}}


def test_human_strings() -> None:
    assert presenters.format_one_in(1 / 4_234_567) == "1 in 4,234,567"
    assert presenters.format_one_in(0) == "never"
    assert presenters.format_one_in(0.5) == "1 in 2"
    assert presenters.format_percent(0.0123) == "1.23%"
    assert presenters.format_percent(0) == "0%"
    assert presenters.format_percent(1 - 1e-9) != "100%"
    assert presenters.format_percent(1e-12) == "1e-10%"
    assert presenters.format_duration(None) == "never"
    assert presenters.format_duration(90) == "1.5 min"


def test_astronomical_figures_read_as_powers_of_ten_not_digits() -> None:
    assert presenters.format_one_in(1 / 8.7e34) == "1 in 8.7 × 10³⁴"
    assert presenters.format_dollars(8.71e29) == "$8.7 × 10²⁹"
    assert presenters.format_dollars(1234.5) == "$1,234" and presenters.format_dollars(0.99) == "$0.99"
    assert presenters.format_duration(5.5e22 * 365.25 * 86400) == "5.5 × 10²² years"
    assert presenters.format_duration(0.2) == "under a second"


def test_the_odds_say_when_a_pattern_is_effectively_impossible_or_certain() -> None:
    hopeless = estimate(PatternSpec("GREAT KEYS AWESOME HELLO WORLD", fuzzy=True, case_insensitive=True),
                        budget=100_000, keys_per_second=1e5, **PRICES)
    easy = estimate(PatternSpec("a", "ssh", case_insensitive=True), budget=100_000, keys_per_second=1e5, **PRICES)
    assert presenters.estimate_json(hopeless)["effectively_impossible"] is True
    assert presenters.estimate_json(easy)["certain_in_one_pull"] is True
    assert presenters.estimate_json(easy)["effectively_impossible"] is False


@pytest.mark.parametrize("name", ENGINE_CASES)
def test_the_presented_estimate_is_the_recorded_json(name: str) -> None:
    spec, arguments = ENGINE_CASES[name]
    result = presenters.estimate_json(estimate(spec, **PRICES, **arguments))
    assert json.dumps(result, indent=2) == GOLDEN["engine"][name]


def test_the_estimate_is_numbers_only() -> None:
    result = estimate(*ENGINE_CASES["words_fuzzy_ci"][:1], **PRICES, **ENGINE_CASES["words_fuzzy_ci"][1])
    assert not any(isinstance(value, str) for value in _leaves(result.levels))
    assert not any(isinstance(value, str) for value in _leaves(result.guaranteed))


def _leaves(value):
    if hasattr(value, "__dataclass_fields__"):
        for name in value.__dataclass_fields__:
            yield from _leaves(getattr(value, name))
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _leaves(item)
    else:
        yield value


def test_manage_py_estimate_json_is_the_recorded_output(fixed_prices) -> None:
    out = StringIO()
    call_command("estimate", *COMMAND_ARGS, stdout=out)
    assert out.getvalue() == GOLDEN["command"]


@pytest.mark.django_db
def test_the_estimate_endpoint_answers_the_recorded_bytes(fixed_prices) -> None:
    response = Client().post("/api/patterns/estimate", data=json.dumps(API_BODY), content_type="application/json")
    assert response.status_code == 200
    assert response.content.decode() == GOLDEN["api"]
