"""A pull's life: paid and recorded together, refunded on failure, its key in custody."""
import base64
import subprocess
import threading
from datetime import timedelta
from unittest import mock

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.db import connection
from django.test import Client
from django.utils import timezone

from core.exceptions import ApplicationError
from economy import selectors as wallet
from economy import services as economy
from economy.exceptions import AlreadyRefunded, InsufficientTokens
from patterns import custody
from patterns.engine import PatternSpec, RegexTimeout, get_format, keys
from patterns.engine import pattern as pattern_engine
from patterns.exceptions import InvalidPattern
from pulls import services
from pulls.exceptions import BadPullCount
from pulls.models import Pull
from pulls.tasks import run_pull_task
from tests.factories import PullFactory, UserFactory, use_up_free_pulls

pytestmark = pytest.mark.django_db


def break_the_grinder(monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(services, "grind", explode)


def run_task(pull: Pull) -> Pull:
    """Run the pull's Celery task in this process, as a worker does; the pull as it left it."""
    run_pull_task(pull.pk)
    return Pull.objects.get(pk=pull.pk)


def test_a_failed_free_pull_gives_the_free_pull_back(user, monkeypatch):
    pull = PullFactory(user=user)
    assert wallet.free_pulls_left(user) == 2
    break_the_grinder(monkeypatch)
    failed = run_task(pull)
    assert failed.status == Pull.Status.FAILED and failed.refunded
    assert wallet.free_pulls_left(user) == 3


def test_a_failed_paid_pull_refunds_its_tokens_once(user, monkeypatch):
    use_up_free_pulls(user)
    economy.wallet_grant(user, amount=100, reason="test", created_by=None)
    pull = PullFactory(user=user)
    assert wallet.balance(user) == 0
    break_the_grinder(monkeypatch)
    run_task(pull)
    services.pull_fail(pull.pk, reason="again")
    assert wallet.balance(user) == 100
    assert sum(entry.amount for entry in wallet.transactions(user)) == 100


def test_a_grinder_crash_leaves_the_service_and_the_task_fails_the_pull(user, monkeypatch):
    pull = PullFactory(user=user)
    break_the_grinder(monkeypatch)
    with pytest.raises(RuntimeError, match="disk on fire"):
        services.pull_execute(pull.pk)
    pull.refresh_from_db()
    assert (pull.status, pull.refunded) == (Pull.Status.RUNNING, False)

    failed = run_task(pull)  # the message redelivered to a worker

    assert (failed.status, failed.refunded) == (Pull.Status.FAILED, True)
    assert "failed on our side" in failed.failure_reason
    assert wallet.free_pulls_left(user) == 3


def test_the_page_says_a_failed_pull_was_refunded(user, monkeypatch, browser_client):
    pull = PullFactory(user=user)
    break_the_grinder(monkeypatch)
    run_task(pull)
    page = browser_client.get(f"/pulls/{pull.public_id}").content.decode()
    assert "failed on our side" in page and "refunded" in page


def test_a_finished_pull_is_not_run_twice(finished_pull):
    pull = finished_pull()
    assert services.pull_execute(pull.pk) is None
    assert run_task(pull).status == Pull.Status.DONE


def test_a_pull_is_paid_by_one_ledger_entry_it_refers_to(user):
    pull = PullFactory(user=user)
    entry = pull.spend_entry
    assert (entry.kind, entry.amount, entry.user_id) == ("free", 0, user.pk)
    assert entry.reference == f"pulls:{pull.batch}"
    assert (pull.paid_with, pull.tokens_spent, pull.number) == ("free", 0, 1)


@pytest.mark.parametrize(
    ("spec", "count", "refusal"),
    [
        (PatternSpec(pattern="ab"), 3, BadPullCount),
        (PatternSpec(pattern="GO"), 1, InvalidPattern),
        (PatternSpec(pattern="ab"), 10, InsufficientTokens),
    ],
)
def test_a_refused_start_is_an_application_error_and_records_nothing(user, spec, count, refusal):
    with pytest.raises(refusal) as refused:
        services.pull_start(user, spec=spec, count=count)
    assert isinstance(refused.value, ApplicationError) and refused.value.message
    assert not Pull.objects.exists()
    assert not wallet.transactions(user).exists()
    assert wallet.free_pulls_left(user) == 3


@pytest.mark.parametrize("fmt", ["did:key", "solana", "ssh", "ssh-fp", "onion"])
def test_the_private_key_loads_and_signs_for_the_address(finished_pull, api_client, fmt, tmp_path):
    pull = finished_pull(pattern="ab", fmt=fmt)
    exports = api_client.get(f"/api/pulls/{pull.public_id}/key").json()["private_key"]
    message = b"vanikeys owns this address"
    if "seed_hex" not in exports:  # an onion key found in expanded-key mode: Tor's key file only
        expanded = base64.b64decode(exports["tor_secret_key_b64"])[32:]
        public = keys.public_key_from_secret(expanded)
        assert get_format(fmt).address(public) == pull.address
        Ed25519PublicKey.from_public_bytes(public).verify(keys.sign_expanded(expanded, message), message)
        return
    public = keys.public_key_from_seed(bytes.fromhex(exports["seed_hex"]))
    assert get_format(fmt).address(public) == pull.address
    for pem in (exports["pkcs8_pem"], exports["openssh_pem"]):
        loader = serialization.load_pem_private_key if "BEGIN PRIVATE" in pem else serialization.load_ssh_private_key
        private = loader(pem.encode(), password=None)
        Ed25519PublicKey.from_public_bytes(public).verify(private.sign(message), message)
    key_file = tmp_path / "id_ed25519"
    key_file.write_text(exports["openssh_pem"])
    key_file.chmod(0o600)
    derived = subprocess.run(["ssh-keygen", "-y", "-f", str(key_file)], capture_output=True, text=True, check=True)
    assert derived.stdout.split()[1] == keys.openssh_public(public).split()[1]


def test_private_keys_are_encrypted_at_rest_and_keys_rotate(finished_pull, settings):
    pull = finished_pull()
    stored = bytes(Pull.objects.get(pk=pull.pk).encrypted_seed)
    seed = custody.open_seed(stored)
    assert seed not in stored and seed.hex().encode() not in stored
    settings.KEY_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), *settings.KEY_ENCRYPTION_KEYS]
    assert custody.open_seed(stored) == seed, "old keys still decrypt after a new key is prepended"
    rotated = custody.rotate_sealed_seed(stored)
    settings.KEY_ENCRYPTION_KEYS = settings.KEY_ENCRYPTION_KEYS[:1]
    assert custody.open_seed(rotated) == seed


def test_erase_makes_the_key_404_and_keep_survives_the_24h_sweep(finished_pull, api_client, user):
    kept, unkept, erased = finished_pull(), finished_pull(), finished_pull()
    assert api_client.post(f"/api/pulls/{kept.public_id}/keep").json()["key_kept"] is True
    assert api_client.delete(f"/api/pulls/{erased.public_id}/key").status_code == 204
    assert api_client.get(f"/api/pulls/{erased.public_id}/key").status_code == 404
    assert api_client.delete(f"/api/pulls/{erased.public_id}/key").status_code == 404

    assert services.pulls_erase_expired_keys(now=timezone.now() + timedelta(hours=23)) == 0
    assert services.pulls_erase_expired_keys(now=timezone.now() + timedelta(hours=25)) == 1
    assert api_client.get(f"/api/pulls/{unkept.public_id}/key").status_code == 404
    assert api_client.get(f"/api/pulls/{kept.public_id}/key").status_code == 200
    assert api_client.get(f"/api/pulls/{unkept.public_id}").json()["result"]["address"] == unkept.address


def test_share_pages_are_unguessable_public_and_never_show_the_key(finished_pull, api_client, browser_client):
    pull = finished_pull()
    assert Client().get(f"/pulls/{pull.public_id}").status_code == 302  # log in first
    share_url = api_client.post(f"/api/pulls/{pull.public_id}/share").json()["share_url"]
    token = share_url.rsplit("/", 1)[1]
    assert len(token) >= 32
    page = Client().get(f"/s/{token}").content.decode()
    assert pull.address[:20] in page.replace("<mark>", "").replace("</mark>", "")
    seed = custody.open_seed(Pull.objects.get(pk=pull.pk).encrypted_seed)
    assert seed.hex() not in page and "PRIVATE KEY" not in page
    assert Client().get("/s/not-a-real-token").status_code == 404
    assert api_client.delete(f"/api/pulls/{pull.public_id}/share").status_code == 204
    assert Client().get(f"/s/{token}").status_code == 404


def test_another_user_gets_404_on_the_pages_too(finished_pull, other_user, client_of):
    pull = finished_pull()
    stranger = client_of(other_user)
    for path in (f"/pulls/{pull.public_id}", f"/pulls/{pull.public_id}/panel", f"/pulls/{pull.public_id}/key", f"/pulls/{pull.public_id}/key/id_ed25519"):
        assert stranger.get(path).status_code == 404, path
    assert stranger.post(f"/pulls/{pull.public_id}/keep").status_code == 404
    assert stranger.post(f"/pulls/{pull.public_id}/share").status_code == 404


def test_history_exports_public_data_only(finished_pull, browser_client):
    pull = finished_pull()
    seed_hex = custody.open_seed(Pull.objects.get(pk=pull.pk).encrypted_seed).hex()
    for fmt in ("csv", "json"):
        response = browser_client.get(f"/history/export.{fmt}")
        text = response.content.decode()
        assert response.status_code == 200
        assert pull.address in text and seed_hex not in text and "PRIVATE" not in text
    assert "number,created_at,pattern" in browser_client.get("/history/export.csv").content.decode()


@pytest.mark.django_db(transaction=True)
def test_two_pulls_at_once_with_tokens_for_one_exactly_one_runs(django_capture_on_commit_callbacks):
    if connection.vendor != "postgresql":
        pytest.skip("row locking is tested against PostgreSQL (bin/test)")
    owner = UserFactory()
    use_up_free_pulls(owner)
    economy.wallet_grant(owner, amount=100, reason="enough for one", created_by=None)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt():
        barrier.wait()
        try:
            services.pull_start(owner, spec=PatternSpec(pattern="ab"), count=1)
            outcomes.append("started")
        except InsufficientTokens:
            outcomes.append("refused")
        finally:
            connection.close()

    with mock.patch.object(run_pull_task, "delay"):
        threads = [threading.Thread(target=attempt) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted(outcomes) == ["refused", "started"]
    assert Pull.objects.filter(user=owner).count() == 1
    assert wallet.balance(owner) == 0


def test_failed_pulls_of_a_10x_pull_refund_their_share_and_never_more_than_was_paid(user, queued, monkeypatch):
    economy.wallet_grant(user, amount=1_000, reason="test", created_by=None)
    pulls, _ = queued(services.pull_start, user, spec=PatternSpec(pattern="ab"), count=10)
    break_the_grinder(monkeypatch)
    for pull in pulls[:2]:
        run_task(pull)
        services.pull_fail(pull.pk, reason="again")
    assert wallet.balance(user) == 200
    debit = next(entry for entry in wallet.transactions(user) if entry.amount == -1_000)
    assert {pull.spend_entry_id for pull in pulls} == {debit.pk}
    economy.entry_refund(debit, reason="staff refunds the rest")
    assert wallet.balance(user) == 1_000
    with pytest.raises(AlreadyRefunded):
        economy.entry_refund(debit, reason="nothing is left to refund")
    failed_after = run_task(pulls[2])
    assert failed_after.status == Pull.Status.FAILED
    assert wallet.balance(user) == 1_000
    assert sum(entry.amount for entry in wallet.transactions(user)) == 1_000


def test_a_pull_no_worker_finishes_is_failed_and_refunded_by_the_sweep(user):
    pull = PullFactory(user=user)
    waiting = PullFactory(user=user, pattern="cd")
    services.pull_begin(pull.pk)
    assert services.pulls_fail_stale(now=timezone.now() + timedelta(minutes=5)) == 0
    assert services.pulls_fail_stale(now=timezone.now() + timedelta(minutes=16)) == 1, "a queue may be long"
    assert services.pulls_fail_stale(now=timezone.now() + timedelta(hours=3)) == 1
    waiting.refresh_from_db()
    assert waiting.status == Pull.Status.FAILED
    pull.refresh_from_db()
    assert pull.status == Pull.Status.FAILED and pull.refunded
    assert wallet.free_pulls_left(user) == 3


@pytest.mark.parametrize("query", ["min_score=²", "min_score=½", "min_score=99", "jackpot=maybe", "min_score="])
def test_odd_history_filters_are_ignored_not_500s(finished_pull, browser_client, query):
    pull = finished_pull()
    for path in ("/history", "/history/export.csv", "/history/export.json"):
        response = browser_client.get(f"{path}?{query}")
        assert response.status_code == 200
        assert pull.address in response.content.decode().replace("<mark>", "").replace("</mark>", "")


def test_private_key_responses_are_never_cached(finished_pull, api_client, browser_client):
    pull = finished_pull()
    for response in (
        api_client.get(f"/api/pulls/{pull.public_id}/key"),
        browser_client.get(f"/pulls/{pull.public_id}/key"),
        browser_client.get(f"/pulls/{pull.public_id}/key/id_ed25519"),
    ):
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]


def test_a_regex_too_slow_for_a_key_fails_the_pull_with_that_reason_and_refunds_it(user, monkeypatch):
    pull = PullFactory(user=user, mode="regex")

    def too_slow(*args, **kwargs):
        raise RegexTimeout("search took too long")

    monkeypatch.setattr(services, "grind", too_slow)
    failed = services.pull_execute(pull.pk)
    assert failed.refunded and "regular expression" in failed.failure_reason
    assert wallet.free_pulls_left(user) == 3


def test_without_javascript_a_pull_page_refreshes_itself_until_done(user, client_of):
    client = client_of(user)
    pull = PullFactory(user=user)
    assert 'http-equiv="refresh"' in client.get(f"/pulls/{pull.public_id}").content.decode()
    services.pull_execute(pull.pk)
    assert 'http-equiv="refresh"' not in client.get(f"/pulls/{pull.public_id}").content.decode()


def test_without_javascript_the_form_starts_a_pull_and_lands_on_its_page(user, client_of):
    with mock.patch.object(run_pull_task, "delay"):
        response = client_of(user).post("/app/pull", {"pattern": "ab", "format": "did:key", "anchor": "anywhere", "mode": "words"})
    pull = Pull.objects.get(user=user)
    assert response.status_code == 302 and response["Location"] == f"/pulls/{pull.public_id}"


def test_an_accepted_regex_is_not_timed_again_on_a_busy_worker(user, monkeypatch):
    pull = PullFactory(user=user, pattern="a.b", mode="regex")
    monkeypatch.setattr(pattern_engine, "_too_slow", lambda *args: True)
    assert services.pull_execute(pull.pk).status == Pull.Status.DONE


def test_a_pull_past_its_time_limit_says_so_and_is_refunded(user, monkeypatch):
    pull = PullFactory(user=user)

    def out_of_time(*args, **kwargs):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(services, "grind", out_of_time)
    failed = run_task(pull)
    assert failed.refunded and "time limit" in failed.failure_reason


@pytest.mark.parametrize("value, shows_plain_pull", [("1", False), ("true", False), ("0", True), ("no", True), ("off", True), ("", True)])
def test_the_jackpot_filter_only_means_yes_for_yes(finished_pull, browser_client, value, shows_plain_pull):
    plain = finished_pull(pattern="zzzzzzzzzzzzzzzz yyyyyyyyyyyyyyyy")
    assert not plain.jackpot
    csv_rows = browser_client.get(f"/history/export.csv?jackpot={value}").content.decode()
    assert (plain.address in csv_rows) is shows_plain_pull
