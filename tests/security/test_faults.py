"""Faults with real services: a private Redis broker (a redis-server this test starts on
its own port, append-only like production's) stopped before and during pulls and started
again; a worker SIGKILLed mid-pull. No pull is lost: each one finishes, or is failed and
refunded by the sweep, and the ledger stays consistent."""
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connections
from django.utils import timezone

from economy import services as economy
from economy.audit import ledger_audit
from patterns.engine import PatternSpec
from pulls import services as pulls
from pulls.models import Pull
from tests.e2e.conftest import ARTIFACTS, ROOT, database_url_of_test_db, require_real_services, stop_process_group
from tests.factories import UserFactory
from vanikeys_site.celery import app

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateRedis:
    def __init__(self, directory: Path) -> None:
        self.port, self.directory, self.process = free_port(), directory, None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "PrivateRedis":
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.directory),
             "--appendonly", "yes", "--save", ""], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()  # a clean shutdown: the append-only file is flushed
            self.process.wait(20)


@pytest.fixture
def broker(tmp_path, monkeypatch, settings):
    """A private Redis as the Celery broker of this process and of the workers it starts."""
    require_real_services()
    if shutil.which("redis-server") is None:
        (pytest.fail if os.environ.get("CI") else pytest.skip)("the fault tests start their own redis-server")
    redis = PrivateRedis(tmp_path).start()
    for name in ("broker_url", "broker_write_url", "broker_read_url"):
        monkeypatch.setitem(app.conf, name, redis.url)
    app._pool = None
    app.amqp._producer_pool = None
    yield redis
    redis.stop()
    app._pool = None
    app.amqp._producer_pool = None


def start_worker(broker: PrivateRedis, name: str) -> subprocess.Popen:
    ARTIFACTS.mkdir(exist_ok=True)
    log_path = ARTIFACTS / f"fault-{name}.log"
    env = {**os.environ, "DATABASE_URL": database_url_of_test_db(), "CELERY_BROKER_URL": broker.url}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "vanikeys_site", "worker", "--loglevel=INFO", "--concurrency=1",
         "--pool=prefork", "--without-gossip", "--without-mingle", f"--hostname={name}@%h"],
        cwd=ROOT, env=env, stdout=log_path.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 90
    while "ready." not in log_path.read_text():
        if worker.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(log_path.read_text())
        time.sleep(0.2)
    return worker


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        connections.close_all()
        if condition():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def paid_user():
    user = UserFactory()
    economy.wallet_grant(user, amount=10_000, reason="faults", created_by=None)
    return user


def start_pulls(user, count: int) -> list[Pull]:
    spec = PatternSpec(pattern="ab", case_insensitive=True)
    return [pulls.pull_start(user, spec=spec)[0] for _ in range(count)]


def assert_books_balance() -> None:
    bad = [report for report in ledger_audit() if not report.ok]
    assert not bad, [(report.username, report.problems) for report in bad]


def test_a_broker_down_when_a_pull_is_paid_does_not_fail_the_request_and_the_sweep_refunds(broker, settings, api_client, user):
    settings.FREE_PULLS_PER_DAY = 0
    settings.PULL_COST_TOKENS = 100
    economy.wallet_grant(user, amount=500, reason="faults", created_by=None)
    broker.stop()
    response = api_client.post("/api/pulls/execute", data='{"pattern": "ab", "case_insensitive": true}',
                               content_type="application/json")
    assert response.status_code == 202, response.content
    pull = Pull.objects.get(public_id=response.json()["id"])
    assert pull.status == "queued"
    assert_swept_and_refunded(pull, after_minutes=settings.PULL_QUEUE_TIMEOUT_MINUTES)
    assert economy_balance(user) == 500
    assert_books_balance()


def test_redis_stopped_mid_pull_and_restarted_loses_no_pull(broker, settings):
    settings.PULL_BUDGET_KEYS = 150_000
    worker = start_worker(broker, "fault-redis")
    try:
        user = paid_user()
        running, queued = start_pulls(user, 2)  # one worker process: the second waits in Redis
        wait_for(lambda: Pull.objects.get(pk=running.pk).status == "running", 60, "the first pull to run")
        broker.stop()
        time.sleep(2)
        broker.start()  # same port, same append-only file
        wait_for(lambda: Pull.objects.filter(pk__in=[running.pk, queued.pk], status="done").count() == 2,
                 240, "both pulls to finish after the broker came back")
    finally:
        stop_process_group(worker)
    assert_books_balance()


def test_a_worker_killed_mid_pull_is_refunded_by_the_sweep(broker, settings):
    settings.PULL_BUDGET_KEYS = 50_000_000
    settings.FREE_PULLS_PER_DAY = 0
    worker = start_worker(broker, "fault-kill")
    user = paid_user()
    (pull,) = start_pulls(user, 1)
    try:
        wait_for(lambda: Pull.objects.get(pk=pull.pk).keys_tried > 0, 90, "the pull to grind")
    finally:
        os.killpg(worker.pid, signal.SIGKILL)  # no warm shutdown: the worker and its pool die at once
        worker.wait()
    pull.refresh_from_db()
    assert pull.status == "running"
    assert_swept_and_refunded(pull, after_minutes=django_settings.PULL_STALE_MINUTES)
    assert economy_balance(user) == 10_000
    assert_books_balance()


def assert_swept_and_refunded(pull, *, after_minutes: int) -> None:
    """The stale sweep, run once the pull has waited past ``after_minutes``, fails and refunds it."""
    later = timezone.now() + timedelta(minutes=after_minutes + 1)
    assert pulls.pulls_fail_stale(now=later) == 1
    pull.refresh_from_db()
    assert pull.status == "failed" and pull.refunded


def economy_balance(user) -> int:
    from economy import selectors

    return selectors.balance(user)


def test_a_database_connection_dropped_mid_request_fails_cleanly_and_leaves_the_ledger_intact(
        settings, api_client, user, monkeypatch):
    """The connection is killed from outside (pg_terminate_backend) after the payment was
    written in the request's transaction and before the pull row: the request answers a 500
    in the error shape, saying nothing, and nothing of it was committed."""
    import psycopg
    from django.db import connection

    settings.FREE_PULLS_PER_DAY = 0
    settings.PULL_COST_TOKENS = 100
    economy.wallet_grant(user, amount=500, reason="faults", created_by=None)
    entries_before = user.ledger_entries.count()
    create = Pull.objects.create

    def drop_connection_then_create(**fields):
        backend = connection.connection.info.backend_pid
        with psycopg.connect(database_url_of_test_db(), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [backend])
        return create(**fields)

    monkeypatch.setattr(Pull.objects, "create", drop_connection_then_create)
    api_client.raise_request_exception = False
    response = api_client.post("/api/pulls/execute", data='{"pattern": "ab", "case_insensitive": true}',
                               content_type="application/json")
    assert response.status_code == 500
    assert response.json() == {"error": "server_error", "message": "Something went wrong on our side; it was logged."}
    monkeypatch.undo()
    connections.close_all()
    assert not Pull.objects.filter(user=user).exists()
    assert user.ledger_entries.count() == entries_before
    assert economy_balance(user) == 500
    assert_books_balance()
