"""Private-key custody: seeds are sealed with MultiFernet before they touch the database.

Only the 32-byte seed is stored; every export is derived from it on demand. The first
key in ``settings.KEY_ENCRYPTION_KEYS`` encrypts, every listed key decrypts, so a new key
is rotated in by prepending it (``rotate_sealed_seed`` re-encrypts with the newest).
"""
from functools import lru_cache

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.KEY_ENCRYPTION_KEYS))


def seal_seed(seed: bytes) -> bytes:
    return fernet().encrypt(seed)


def open_seed(sealed: bytes) -> bytes:
    return fernet().decrypt(bytes(sealed))


def rotate_sealed_seed(sealed: bytes) -> bytes:
    return fernet().rotate(bytes(sealed))


SEALED_FIELD = "encrypted_seed"


def sealed_models() -> list:
    """Every model that keeps a sealed seed: the key searches (pulls, jobs…), whose sealed
    field ``patterns.models.KeySearch`` defines, so resealing it stays this app's business."""
    from django.apps import apps

    from .models import KeySearch

    return [model for model in apps.get_models() if issubclass(model, KeySearch)]


def reseal_all(*, batch_size: int = 500) -> dict[str, int]:
    """Re-encrypt every stored seed under the newest key (the first of KEY_ENCRYPTION_KEYS),
    so an old key can then be dropped; returns how many were resealed per model.

    Each row is rewritten only if it still holds the sealed value read (a conditional
    update), so a key erased meanwhile stays erased. Resealing is idempotent: running it
    again re-encrypts under the same newest key. A seed no listed key opens raises
    cryptography's InvalidToken and stops the run (nothing is lost: rows already done
    decrypt under the new key, the rest still under the old one)."""
    return {model._meta.label: reseal_rows(model._default_manager.all(), batch_size=batch_size)
            for model in sealed_models()}


def reseal_rows(rows, *, batch_size: int = 500) -> int:
    """Reseal the seeds of these rows (a queryset of a sealed model); how many were rewritten."""
    done = 0
    sealed_rows = rows.filter(**{f"{SEALED_FIELD}__isnull": False}).values_list("pk", SEALED_FIELD)
    for pk, sealed in sealed_rows.iterator(chunk_size=batch_size):
        done += rows.model._default_manager.filter(pk=pk, **{SEALED_FIELD: sealed}).update(
            **{SEALED_FIELD: rotate_sealed_seed(sealed)}
        )
    return done
