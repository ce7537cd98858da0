"""Reading settings from the environment: a few typed helpers that fail with the
variable's name (django-environ would do the same in more code than this)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    word = value.strip().lower()
    if word not in TRUE | FALSE:
        raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no, on/off, not {value!r}")
    return word in TRUE


def _number(name: str, default: float, kind: type) -> float:
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        return kind(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a {kind.__name__}, not {value!r}") from None


def env_int(name: str, default: int) -> int:
    return _number(name, default, int)


def env_float(name: str, default: float) -> float:
    return _number(name, default, float)


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def secret_or_dev_file(name: str, make: Callable[[], str], *, debug: bool, var_dir: Path) -> str:
    """A secret from the environment, or (in DEBUG only) one generated once into var/."""
    if os.environ.get(name):
        return os.environ[name]
    if not debug:
        raise ImproperlyConfigured(f"{name} must be set when DEBUG is off")
    path = var_dir / f"dev_{name.lower()}"
    if not path.exists():
        path.write_text(make())
        path.chmod(0o600)
    return path.read_text().strip()


def new_fernet_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()
