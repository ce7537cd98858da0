"""manage.py estimate (PRODUCT.md §4, §9)."""

from __future__ import annotations

import json
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from patterns.engine import PatternSpec
from patterns.engine.pattern import _compile
from patterns.management.commands import estimate as estimate_command

ROOT = Path(__file__).resolve().parents[2]


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


@pytest.mark.parametrize(("args", "words"), [
    (["ab", "--budget", "abc"], "invalid int value: 'abc'"),
    ([r"(\w|[a-z])+\W", "--mode", "regex"], "too slow to search"),
    (["a{4294967294}", "--mode", "regex"], "repeats too much"),
    (["ab\x07c"], "U+0007"),
])
def test_bad_input_from_the_shell_is_one_line_and_exit_2(args: list[str], words: str) -> None:
    done = subprocess.run([sys.executable, "manage.py", "estimate", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and words in done.stderr


def test_a_regex_timing_out_while_measuring_is_a_one_line_refusal(monkeypatch: pytest.MonkeyPatch) -> None:
    slow = _compile(PatternSpec(r"(\w|[a-z])+\W", mode="regex"))
    monkeypatch.setattr(estimate_command, "compile_pattern", lambda spec: slow)  # as if it slipped past validation
    with pytest.raises(CommandError, match="too slow to search") as info:
        run("ignored", "--mode", "regex")
    assert info.value.returncode == 2 and "\n" not in str(info.value)
