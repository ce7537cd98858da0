"""The environment of a production process, for tests that start one in a subprocess."""
import os
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]
HOST = "vanikeys.example"


def production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    env = {
        key: value for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PYTEST", "THROTTLE", "CELERY_TASK_ALWAYS"))
    }
    env.update({
        "DEBUG": "0",
        "SECRET_KEY": "prod-" + "k3y-" * 16,
        "ALLOWED_HOSTS": HOST,
        "CSRF_TRUSTED_ORIGINS": f"https://{HOST}",
        "DATABASE_URL": os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/vanikeys"),
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15"),
        "CELERY_BROKER_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15"),
        "KEY_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "VANIKEYS_VAR_DIR": str(tmp_path / "var"),
        "STATIC_ROOT": str(tmp_path / "static"),
        "DJANGO_SETTINGS_MODULE": "vanikeys_site.settings",
    })
    env.update(overrides)
    return env


def database_url_of_test_db() -> str:
    """The URL of the database pytest-django made (a subprocess must use it, not the default)."""
    from django.db import connection

    db = connection.settings_dict
    name = db["NAME"] if db["NAME"].startswith("test_") else (db.get("TEST") or {}).get("NAME") or f"test_{db['NAME']}"
    return f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


def run(args: list[str], env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
