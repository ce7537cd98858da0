"""manage.py grind and bench (PRODUCT.md §9): thin commands over the engine."""

import json
import stat
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from patterns.engine import PatternSpec, get_format
from patterns.engine.keys import keypair_from_seed
from patterns.engine.pattern import _compile
from patterns.management.commands.grind import Command

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def grind_json(*args: str) -> dict:
    return json.loads(run("grind", *args, "--json")[0])


def test_grind_json_reports_the_key_and_every_private_encoding():
    report = grind_json("ab", "--budget", "2000", "--workers", "1")
    assert report["keys_tried"] == 2000
    assert report["n"] == 1 and report["score"] in (0, 1)
    public = keypair_from_seed(bytes.fromhex(report["private_key"]["seed_hex"]))[0]
    assert report["address"] == get_format("did:key").address(public)
    assert report["body"] == get_format("did:key").body(report["address"])
    assert set(report["private_key"]) == {"seed_hex", "jwk", "pkcs8_pem", "openssh_pem"}
    assert report["public_key"]["did_document"]["id"] == report["address"]


@pytest.mark.parametrize("fmt, extra", [("solana", "solana_json"), ("onion", "tor_secret_key_b64")])
def test_grind_json_adds_the_encoding_of_the_format(fmt, extra):
    report = grind_json("ab", "--format", fmt, "--case-insensitive", "--until", "jackpot")
    assert report["jackpot"] is True and report["stopped_reason"] == "target"
    assert extra in report["private_key"]


def test_grind_until_score_and_progress_on_stderr():
    out, err = run("grind", "a b", "--until", "score=2", "--workers", "2")
    assert "★★ 2/2" in out
    assert "keys/s" in err and "P(jackpot by now)" in err


def test_grind_out_writes_every_encoding_0600(tmp_path):
    report = grind_json("ab", "--until", "jackpot", "--out", str(tmp_path / "key"))
    files = [Path(f) for f in report["files"]]
    assert {f.name for f in files} >= {"id_ed25519", "private.pkcs8.pem", "did.json", "seed.hex"}
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)
    derived = subprocess.run(["ssh-keygen", "-y", "-f", str(tmp_path / "key" / "id_ed25519")],
                             capture_output=True, text=True, check=True).stdout.split()[:2]
    assert derived == report["public_key"]["openssh_public"].split()[:2]


def test_grind_out_keeps_the_private_key_off_the_terminal(tmp_path):
    out, err = run("grind", "ab", "--until", "jackpot", "--workers", "1", "--out", str(tmp_path / "key"))
    seed_hex = (tmp_path / "key" / "seed.hex").read_text().strip()
    assert seed_hex not in out + err and "PRIVATE KEY" not in out + err
    assert "private key written (mode 0600) to:" in out and str(tmp_path / "key" / "seed.hex") in out
    assert "private_key" not in grind_json("ab", "--until", "jackpot", "--out", str(tmp_path / "json"))


def test_bench_progress_is_one_line_per_stage_without_carriage_returns():
    out, err = run("bench", "--seconds", "0.3", "--workers", "1")
    assert "\r" not in err and err.count("measuring: ") >= 3


def test_grind_out_refuses_to_overwrite_before_grinding(tmp_path):
    (tmp_path / "seed.hex").write_text("precious\n")
    with pytest.raises(CommandError, match="would overwrite seed.hex") as raised:
        run("grind", "ab", "--out", str(tmp_path))
    assert raised.value.returncode == 2


@pytest.mark.parametrize("args, message", [
    (["GO"], "'O' never appears in a did:key"),
    (["ab", "--format", "btc"], "unknown format 'btc'"),
    (["ab cd", "--until", "score=3"], "out of range"),
    (["ab", "--until", "soon"], "'jackpot' or 'score=K'"),
    (["ab", "--budget", "0"], "--budget must be at least 1"),
    (["ab", "--workers", "0"], "--workers must be between 1 and"),
])
def test_grind_bad_input_is_a_one_line_error_with_exit_code_2(args, message):
    with pytest.raises(CommandError, match=message) as raised:
        run("grind", *args)
    assert raised.value.returncode == 2
    assert "\n" not in str(raised.value)


def test_grind_exits_2_from_the_shell():
    done = subprocess.run([sys.executable, "manage.py", "grind", "GO"], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1


def test_bench_json_has_the_figures_against_the_baseline():
    figures = json.loads(run("bench", "--seconds", "0.6", "--json")[0])
    for key in ("keys_per_s_one_process", "keys_per_s_all_cores", "baseline_keys_per_s", "ratio"):
        assert figures[key] > 0
    assert "crypto_sign_seed_keypair" in figures["baseline"]
    assert figures["ratio"] == pytest.approx(figures["keys_per_s_one_process"] / figures["baseline_keys_per_s"],
                                             rel=0.01)


def test_bench_bad_input_exits_2():
    with pytest.raises(CommandError) as raised:
        run("bench", "--seconds", "0")
    assert raised.value.returncode == 2


def test_the_standalone_bench_script_runs_outside_django():
    done = subprocess.run([sys.executable, "-m", "bench.grind_bench", "--seconds", "0.6", "--json"],
                          cwd=ROOT, capture_output=True, text=True, check=True)
    assert json.loads(done.stdout)["baseline_keys_per_s"] > 0


def shell(*args: str) -> subprocess.CompletedProcess:
    """The command as a user runs it: `python manage.py …` in the project's interpreter."""
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


@pytest.mark.parametrize("args, words", [
    (["grind", "ab", "--workers", "100000"], "--workers must be between 1 and"),
    (["grind", "ab", "--budget", "abc"], "invalid int value: 'abc'"),
    (["grind", "ab", "--colour"], "unrecognized arguments: --colour"),
    (["grind", r"(\w|[a-z])+\W", "--mode", "regex"], "too slow to search"),
    (["bench", "--workers", "100000"], "--workers must be between 1 and"),
    (["bench", "--seconds", "soon"], "invalid float value: 'soon'"),
])
def test_bad_input_from_the_shell_is_one_line_and_exit_2(args, words):
    done = shell(*args)
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and words in done.stderr
    assert done.stdout == ""


def test_a_regex_timing_out_while_grinding_is_a_one_line_refusal(monkeypatch):
    slow = _compile(PatternSpec(r"(\w|[a-z])+\W", mode="regex"))
    monkeypatch.setattr(Command, "compile", lambda self, options: slow)  # as if it slipped past validation
    with pytest.raises(CommandError, match="too slow to search") as raised:
        run("grind", "ignored", "--budget", "100", "--workers", "2")
    assert raised.value.returncode == 2 and "\n" not in str(raised.value)
