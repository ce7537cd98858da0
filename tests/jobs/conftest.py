"""Fixtures for guaranteed jobs: small chunks and quick timings, funded users, and a pool
of real ``celery worker`` processes (two of them, plus ``celery beat`` for the sweep) on
the Redis broker and the PostgreSQL test database.

The workers outlive one test (starting them costs seconds), so this directory clears the
cache by deleting Django's own keys instead of FLUSHDB: in the test setup the cache and
the broker share a Redis database, and a flush would also drop the broker's queues and
bindings from under the running workers.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connections

from economy import services as economy
from jobs import services
from jobs.models import Chunk, Job
from tests.e2e.conftest import (  # noqa: F401  (browser_page is a fixture for the browser test)
    ARTIFACTS,
    ROOT,
    browser_page,
    database_url_of_test_db,
    require_real_services,
    wait_for_worker,
)
from tests.factories import FundedUserFactory

CHUNK_KEYS = 65_536  # a second or two of grinding per chunk (the native core; more in pure Python)
# The jobs settings of these tests, for this process and for the worker processes alike.
JOB_SETTINGS = {
    "KEYS_PER_TOKEN": 1_000,
    "JOB_PRICE_MARGIN": 1.2,
    "JOB_MAX_P99_SECONDS": 86_400,
    "GRIND_POOL_WORKERS": 2,
    "JOB_CHUNK_SECONDS": 1.0,
    "JOB_CHUNK_MIN_KEYS": CHUNK_KEYS,
    "JOB_CHUNK_MAX_KEYS": CHUNK_KEYS,
    "JOB_CHUNKS_IN_FLIGHT": 2,
    "JOB_CHUNK_MAX_ATTEMPTS": 3,
    "JOB_CHUNK_RETRY_SECONDS": 0.2,
    "JOB_STOP_CHECK_SECONDS": 0.25,
    "JOB_HEARTBEAT_STALE_SECONDS": 3.0,
    "JOB_SWEEP_SECONDS": 1.0,
    "JOB_QUEUED_RESEND_SECONDS": 600,
}


def clear_django_cache() -> None:
    if settings.CACHES["default"]["BACKEND"].endswith("RedisCache"):
        client = cache._cache.get_client(write=True)
        keys = list(client.scan_iter(match=cache.make_key("*")))
        if keys:
            client.delete(*keys)
    else:
        cache.clear()


@pytest.fixture(autouse=True)
def fresh_cache():
    """Overrides the shared fixture: Django's keys go, the broker's stay (see the docstring)."""
    clear_django_cache()
    yield
    clear_django_cache()


@pytest.fixture(autouse=True)
def job_settings(pull_prices):
    """The round pull prices of every pull test, and a pool and chunks small enough to test."""
    for name, value in JOB_SETTINGS.items():
        setattr(pull_prices, name, value)
    return pull_prices


@pytest.fixture
def rich_user(db):
    return FundedUserFactory(tokens=1_000_000)


@pytest.fixture
def captured_enqueues(monkeypatch) -> list[int]:
    """Chunk ids the services would send to the broker, recorded instead of sent."""
    sent: list[int] = []
    monkeypatch.setattr(services, "enqueue_chunks", lambda ids, countdown=None: sent.extend(ids))
    return sent


def wait_for(condition: Callable[[], object], *, timeout: float, every: float = 0.1, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class Grinders:
    """Two named worker processes (``a``, ``b``; one pool process each, so a process group
    is one worker) and a beat process, each in its own session so a test can kill one
    group with SIGKILL."""

    NAMES = ("a", "b")

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.procs: dict[str, subprocess.Popen] = {}
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url_of_test_db(),
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            **{name: str(value) for name, value in JOB_SETTINGS.items()},
        }

    def log_path(self, name: str) -> Path:
        return ARTIFACTS / f"jobs-worker-{name}.log"

    def hostname(self, name: str) -> str:
        return f"jobs-{name}@vanikeys-test"

    def _spawn(self, name: str) -> subprocess.Popen:
        log = self.log_path(name).open("a")
        if name == "beat":
            command = ["beat", "--loglevel=INFO", "--schedule", str(self.tmp / "celerybeat-schedule")]
        else:
            command = ["worker", "--loglevel=INFO", "--concurrency=1", "--pool=prefork", "--without-gossip",
                       "--without-mingle", "--purge", "-n", self.hostname(name)]
        return subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "vanikeys_site", *command],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def ensure_running(self) -> None:
        """Start whatever is not running (all of them at first, a killed worker later)."""
        started = []
        for name in (*self.NAMES, "beat"):
            proc = self.procs.get(name)
            if proc is None or proc.poll() is not None:
                self.log_path(name).write_text("")
                self.procs[name] = self._spawn(name)
                started.append(name)
        for name in started:
            if name != "beat":
                wait_for_worker(self.procs[name], self.log_path(name))

    def kill_group(self, name: str) -> None:
        proc = self.procs[name]
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for proc in self.procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


@pytest.fixture(scope="module")
def grinder_pool(django_db_setup, django_db_blocker, tmp_path_factory):
    with django_db_blocker.unblock():
        require_real_services()
    ARTIFACTS.mkdir(exist_ok=True)
    pool = Grinders(tmp_path_factory.mktemp("grinders"))
    try:
        yield pool
    finally:
        pool.stop()


@pytest.fixture
def grinders(grinder_pool, transactional_db):
    """The running pool; afterwards every job still open is failed and the workers go idle,
    so the next test starts with nothing in flight."""
    grinder_pool.ensure_running()
    yield grinder_pool
    for job_id in Job.objects.filter(status__in=("queued", "running")).values_list("pk", flat=True):
        services.job_fail(job_id, reason="test over")
    wait_for(lambda: not Chunk.objects.filter(status="running").exists(), timeout=15, what="idle workers")
    connections.close_all()


def fund(user, tokens: int) -> None:
    economy.wallet_grant(user, amount=tokens, reason="test", created_by=None)
