"""Operations: reseal_keys (key rotation), check_ledger (the §7 invariants for every user),
fail_stale (work no worker finished), and the admin actions that do the same."""
import json
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.utils import timezone

from economy import services as economy
from economy.models import LedgerEntry, Wallet
from patterns import custody
from pulls.models import Pull
from tests.factories import PullFactory, UserFactory

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[int, str]:
    from io import StringIO

    out = StringIO()
    try:
        call_command(*args, stdout=out, stderr=out)
    except SystemExit as exit:
        return int(exit.code), out.getvalue()
    return 0, out.getvalue()


@pytest.fixture
def old_key(settings):
    key = Fernet.generate_key().decode()
    settings.KEY_ENCRYPTION_KEYS = [key]
    return key


def test_reseal_keys_moves_every_key_to_the_newest(settings, user, pull_prices, old_key):
    pulls = [PullFactory(user=user, finished=True) for _ in range(3)]
    seeds = [custody.open_seed(p.encrypted_seed) for p in pulls]
    new_key = Fernet.generate_key().decode()
    settings.KEY_ENCRYPTION_KEYS = [new_key, old_key]  # rotation: prepend the new key

    code, out = run("reseal_keys", "--json")
    assert code == 0
    assert json.loads(out)["resealed"]["pulls.Pull"] == 3

    settings.KEY_ENCRYPTION_KEYS = [new_key]  # the old key can go now
    assert [custody.open_seed(p.encrypted_seed) for p in Pull.objects.order_by("pk")] == seeds


def test_reseal_keys_leaves_erased_keys_erased(settings, user, pull_prices, old_key, monkeypatch):
    pull = PullFactory(user=user, finished=True)
    rotate = custody.rotate_sealed_seed

    def erased_meanwhile(sealed):
        Pull.objects.filter(pk=pull.pk).update(encrypted_seed=None)  # the owner erases it now
        return rotate(sealed)

    monkeypatch.setattr(custody, "rotate_sealed_seed", erased_meanwhile)
    assert custody.reseal_all()["pulls.Pull"] == 0
    assert Pull.objects.get(pk=pull.pk).encrypted_seed is None


def test_reseal_keys_refuses_when_a_key_is_missing(settings, user, pull_prices, old_key):
    PullFactory(user=user, finished=True)
    settings.KEY_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]  # the old key dropped too early
    with pytest.raises(Exception) as refused:
        call_command("reseal_keys")
    assert "none of KEY_ENCRYPTION_KEYS" in str(refused.value)


def test_check_ledger_passes_on_a_consistent_ledger(user, other_user, pull_prices):
    economy.wallet_grant(user, amount=500, reason="test", created_by=None)
    PullFactory(user=user)
    PullFactory(user=user)
    PullFactory(user=other_user)
    code, out = run("check_ledger")
    assert code == 0, out
    assert "consistent" in out


def test_check_ledger_exits_1_naming_each_mismatch(user, other_user, pull_prices):
    economy.wallet_grant(user, amount=500, reason="test", created_by=None)
    economy.wallet_grant(other_user, amount=300, reason="test", created_by=None)
    economy.wallet_grant(other_user, amount=10, reason="again", created_by=None)
    Wallet.objects.filter(user=user).update(balance=499)  # a balance edited behind the ledger
    second = LedgerEntry.objects.filter(user=other_user).order_by("id").last()
    LedgerEntry.objects.filter(pk=second.pk).update(balance_before=290, balance_after=300)  # a broken chain

    code, out = run("check_ledger")
    assert code == 1
    assert f"{user.username} (user {user.pk}): the wallet holds 499, the last entry says 500" in out
    assert f"entry #{second.pk} starts from 290, not 300" in out
    assert "2 with a mismatch" in out

    code, out = run("check_ledger", "--json", "--user", user.username)
    report = json.loads(out)
    assert code == 1 and report["ok"] is False and report["reports"][0]["username"] == user.username


def test_check_ledger_finds_a_wallet_without_entries_and_a_negative_balance(user):
    Wallet.objects.create(user=user, balance=7)
    code, out = run("check_ledger")
    assert code == 1 and "no ledger entry" in out


def test_check_ledger_refuses_an_unknown_user():
    with pytest.raises(Exception) as refused:
        call_command("check_ledger", "--user", "nobody-at-all")
    assert "no such user" in str(refused.value)


def test_fail_stale_fails_and_refunds_stale_pulls(user, pull_prices, settings):
    economy.wallet_grant(user, amount=1_000, reason="test", created_by=None)
    for _ in range(3):
        PullFactory(user=user)  # the free pulls
    stale = PullFactory(user=user)  # paid, 100 tokens
    Pull.objects.filter(pk=stale.pk).update(status="running", started_at=timezone.now() - timedelta(hours=1))
    fresh = PullFactory(user=user)
    code, out = run("fail_stale", "--json")
    assert code == 0 and json.loads(out)["pulls_failed"] == 1
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert stale.status == "failed" and stale.refunded and fresh.status == "queued"
    assert Wallet.objects.get(user=user).balance == 1_000 - 100
    assert run("check_ledger")[0] == 0


def test_admin_actions(admin_client, user, pull_prices):
    queued = PullFactory(user=user)
    done = PullFactory(user=user, finished=True)
    response = admin_client.post("/admin/pulls/pull/", {"action": "fail_and_refund", "_selected_action": [queued.pk, done.pk]},
                                 follow=True)
    assert "1 pulls failed and refunded" in response.content.decode()
    assert Pull.objects.get(pk=queued.pk).status == "failed" and Pull.objects.get(pk=done.pk).status == "done"

    response = admin_client.post("/admin/pulls/pull/", {"action": "reseal_keys", "_selected_action": [done.pk]}, follow=True)
    assert "1 private keys resealed" in response.content.decode()

    wallet = Wallet.objects.get(user=user)
    response = admin_client.post("/admin/economy/wallet/", {"action": "check_ledger", "_selected_action": [wallet.pk]},
                                 follow=True)
    assert "1 ledgers checked: consistent." in response.content.decode()
    Wallet.objects.filter(pk=wallet.pk).update(balance=wallet.balance + 5)
    response = admin_client.post("/admin/economy/wallet/", {"action": "check_ledger", "_selected_action": [wallet.pk]},
                                 follow=True)
    assert "the wallet holds" in response.content.decode()


def test_a_user_with_no_wallet_and_no_entries_is_fine():
    UserFactory()
    assert run("check_ledger")[0] == 0
