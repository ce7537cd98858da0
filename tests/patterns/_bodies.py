"""Bodies of real keys, generated once per test process and shared by the test modules.

Every key is a real Ed25519 keypair (libsodium through PyNaCl), encoded by formats.py
exactly as the grinder encodes it. The seeds are SHA-256 of a counter, so the sample is
the same on every run: a statistical check at 4 standard errors then passes or fails
for good, instead of failing about one run in a hundred by chance.
"""

from __future__ import annotations

import hashlib
from functools import cache

from nacl.bindings import crypto_sign_seed_keypair

from patterns.engine import get_format

SAMPLES = 30_000


def public_key(index: int) -> bytes:
    seed = hashlib.sha256(b"vanikeys test key %d" % index).digest()
    return crypto_sign_seed_keypair(seed)[0]


@cache
def real_bodies(format_name: str, count: int = SAMPLES) -> tuple[str, ...]:
    fmt = get_format(format_name)
    block = b"".join(fmt.slot_prefix + public_key(index) for index in range(count))
    return tuple(fmt.batch_bodies(block, count).split("\n"))
