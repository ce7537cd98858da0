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
