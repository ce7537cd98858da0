"""manage.py estimate (PRODUCT.md §4, §9)."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError


def run(*args: str) -> str:
    out = StringIO()
    call_command("estimate", *args, stdout=out)
    return out.getvalue()


def test_table_shows_every_level_and_the_guarantee() -> None:
    text = run("GO BE AWE SOME", "--fuzzy", "--case-insensitive", "--keys-per-second", "100000")
    for level in ("1/4", "2/4", "3/4", "4/4", "jackpot"):
        assert level in text
    assert "1 in " in text and "%" in text and "100,000 keys" in text
    assert "expected" in text and "median" in text and "p99" in text and "tokens" in text


def test_json_output_matches_the_api_shape() -> None:
    data = json.loads(run("ab", "--format", "onion", "--anchor", "prefix", "--budget", "500",
                          "--keys-per-second", "1000", "--json"))
    assert data["format"] == "onion" and data["n"] == 1 and data["budget"] == 500
    assert data["p_jackpot"] == pytest.approx(1 / 1024)
    assert len(data["p_score_at_least"]) == 2
    assert data["guaranteed"]["expected_keys"] == pytest.approx(1024)


def test_rate_is_measured_when_not_given() -> None:
    data = json.loads(run("a", "--json"))
    assert data["keys_per_second"] > 0


def test_regex_mode_is_flagged_as_estimated() -> None:
    data = json.loads(run("[ab]", "--mode", "regex", "--keys-per-second", "1", "--json"))
    assert data["estimated"] is True and data["guaranteed"]["offered"] is False
    assert "estimated" in run("[ab]", "--mode", "regex", "--keys-per-second", "1")


@pytest.mark.parametrize(("args", "words"), [
    (["GO"], "'O' never appears in a did:key"),
    (["zz", "--format", "onion", "--anchor", "suffix"], "never ends with 'z'"),
    (["ab", "--format", "bitcoin"], "unknown format"),
    (["a b c d e f g h i"], "at most 8"),
    (["ab(", "--mode", "regex"], "does not compile"),
    (["ab", "--budget", "0"], "--budget"),
])
def test_bad_input_exits_2_with_one_line(args: list[str], words: str) -> None:
    with pytest.raises(CommandError) as info:
        run(*args)
    assert info.value.returncode == 2
    assert words in str(info.value) and "\n" not in str(info.value)
