"""End-to-end fixtures: a live app server, a real Celery worker on Redis, headless Chromium.

The worker is a separate process reading the same PostgreSQL test database that
pytest-django created, so a pull really crosses the broker and another process.
"""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings
from django.db import connection
from playwright.sync_api import expect

from patterns.engine import get_format

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# around it are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def require_real_services() -> None:
    """Skip where the services are missing, except in CI, where that is a failure."""
    missing = None
    if connection.vendor != "postgresql" or not settings.CELERY_BROKER_URL.startswith("redis://"):
        missing = "end-to-end tests need PostgreSQL and a Redis broker (run bin/test)"
    elif not Path(CHROMIUM).exists():
        missing = f"Chromium not found at {CHROMIUM}"
    if missing:
        (pytest.fail if os.environ.get("CI") else pytest.skip)(missing)


def database_url_of_test_db() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def wait_for_worker(worker: subprocess.Popen, log_path: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise RuntimeError(f"Celery worker exited early:\n{log_path.read_text()}")
        if "ready." in log_path.read_text():
            return
        time.sleep(0.2)
    raise RuntimeError(f"Celery worker not ready after {timeout}s:\n{log_path.read_text()}")


@pytest.fixture
def celery_worker_process(transactional_db):
    """A real `celery worker` process on the Redis broker and the test database."""
    require_real_services()
    ARTIFACTS.mkdir(exist_ok=True)
    log_path = ARTIFACTS / "celery-worker.log"
    env = {
        **os.environ,
        "DATABASE_URL": database_url_of_test_db(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
    }
    with log_path.open("w") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "vanikeys_site", "worker", "--loglevel=INFO",
             "--concurrency=1", "--pool=prefork", "--without-gossip", "--without-mingle", "--purge"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        wait_for_worker(worker, log_path)
        yield worker
    finally:
        stop_process_group(worker)


def stop_process_group(worker: subprocess.Popen, grace: float = 20) -> None:
    """Stop the worker and its pool children, so none still holds the test database."""
    os.killpg(worker.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        worker.poll()
        try:
            os.killpg(worker.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait()


@pytest.fixture
def browser_page():
    """A fresh headless Chromium page (Debian's browser, driven by Playwright)."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(30_000)
        try:
            yield page
        finally:
            context.close()
            browser.close()


def download_and_check_key(page, address: str, tmp_path) -> None:
    """Reveal the key, download its OpenSSH file and check that ssh-keygen reads it and that
    it signs for the address shown."""
    page.click("[data-testid=reveal]")
    expect(page.locator("[data-testid=private-key]")).to_be_visible()
    with page.expect_download() as download_info:
        page.click("[data-testid='download-id_ed25519']")
    key_path = tmp_path / "id_ed25519"
    download_info.value.save_as(key_path)
    key_path.chmod(0o600)
    public_line = subprocess.run(["ssh-keygen", "-y", "-f", str(key_path)], capture_output=True, text=True, check=True).stdout
    private = serialization.load_ssh_private_key(key_path.read_bytes(), password=None)
    message = b"signed with a key from the browser"
    public = get_format("did:key").public_key_from_address(address)
    Ed25519PublicKey.from_public_bytes(public).verify(private.sign(message), message)
    assert public_line.startswith("ssh-ed25519 ")
