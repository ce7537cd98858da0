"""Bodies of real keys, generated once per test process and shared by the test modules.

Every key is a real Ed25519 keypair from a fresh ``os.urandom`` seed (libsodium through
PyNaCl), encoded by formats.py exactly as the grinder encodes it.
"""

from __future__ import annotations

import os
from functools import lru_cache

from nacl.bindings import crypto_sign_seed_keypair

from patterns.engine.formats import get_format

SAMPLES = 30_000


def public_key() -> bytes:
    return crypto_sign_seed_keypair(os.urandom(32))[0]


@lru_cache(maxsize=None)
def real_bodies(format_name: str, count: int = SAMPLES) -> tuple[str, ...]:
    fmt = get_format(format_name)
    block = b"".join(fmt.slot_prefix + public_key() for _ in range(count))
    return tuple(fmt.batch_bodies(block, count).split("\n"))
