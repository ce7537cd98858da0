"""manage.py grant_tokens <username or email> <amount> --reason TEXT [--json]."""
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from economy import selectors, services
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def grant_tokens(*args: str) -> str:
    out = io.StringIO()
    call_command("grant_tokens", *args, stdout=out)
    return out.getvalue()


def test_grants_tokens_by_username(user):
    output = grant_tokens(user.username, "300", "--reason", "Beta tester")

    assert f"Granted 300 tokens to {user.username}" in output
    entry = selectors.transactions(user).get()
    assert (entry.kind, entry.amount, entry.reason, entry.created_by) == ("grant", 300, "Beta tester", None)


def test_grants_tokens_by_username_in_any_case(user):
    grant_tokens(user.username.upper(), "7", "--reason", "Support")
    assert selectors.balance(user) == 7


def test_grants_tokens_by_email_in_any_case(user):
    grant_tokens(user.email.upper(), "5", "--reason", "Support")
    assert selectors.balance(user) == 5


def test_json_output(user):
    output = grant_tokens(user.username, "40", "--reason", "Gift", "--json")

    result = json.loads(output)
    assert result == {
        "user": user.username,
        "amount": 40,
        "balance": 40,
        "entry_id": selectors.transactions(user).get().pk,
        "reason": "Gift",
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nobody", "10", "--reason", "x"], "no user"),
        (["{user}", "0", "--reason", "x"], "positive whole number"),
        (["{user}", "-5", "--reason", "x"], "positive whole number"),
        (["{user}", "ten", "--reason", "x"], "positive whole number"),
        (["{user}", "1000000001", "--reason", "x"], "at most 1,000,000,000 tokens"),
        (["{user}", "99999999999999999999", "--reason", "x"], "at most 1,000,000,000 tokens"),
        (["{user}", "10"], "--reason is required"),
        (["{user}", "10", "--reason", "   "], "--reason is required"),
    ],
)
def test_bad_input_is_refused_with_exit_status_2_and_changes_nothing(user, args, message):
    with pytest.raises(CommandError, match=message) as refused:
        grant_tokens(*(arg.format(user=user.username) for arg in args))

    assert refused.value.returncode == 2
    assert selectors.balance(user) == 0


def test_an_email_shared_by_two_users_is_ambiguous():
    first = UserFactory(email="twin@example.com")
    UserFactory(email="TWIN@example.com")

    with pytest.raises(CommandError, match="Several accounts use twin@example.com; give the username") as refused:
        grant_tokens("twin@example.com", "10", "--reason", "x")
    assert refused.value.returncode == 2
    assert selectors.balance(first) == 0


def test_a_grant_past_the_maximum_balance_is_refused_with_exit_status_2(user, monkeypatch):
    monkeypatch.setattr(services, "MAX_BALANCE", 1_000)
    grant_tokens(user.username, "900", "--reason", "x")

    with pytest.raises(CommandError, match="past the most a wallet holds") as refused:
        grant_tokens(user.username, "101", "--reason", "x")

    assert refused.value.returncode == 2
    assert selectors.balance(user) == 900


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["someone", "0", "--reason", "x"], "positive whole number"),
        (["someone", "99999999999999999999", "--reason", "x"], "at most 1,000,000,000"),
        (["someone"], "the following arguments are required: amount"),
        (["someone", "5", "--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_from_the_command_line_bad_input_is_one_line_on_stderr_and_exit_2(args, message):
    result = subprocess.run(
        [sys.executable, "manage.py", "grant_tokens", *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip().count("\n") == 0
    assert message in result.stderr
