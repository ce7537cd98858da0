"""The compiled grinding core and how the engine talks to it.

``_core`` is a CPython extension built from ``_core.c`` (with ``_kernel.h`` and the
header ``gen_constants.py`` writes) by the project's ``setup.py`` when a C compiler is
there: ``.venv/bin/pip install --no-build-isolation --no-deps -e .``. Without it (no
compiler, another platform) the engine grinds in Python and ``available()`` says so;
``VANIKEYS_NATIVE=0`` in the environment turns the core off on purpose.

Per batch the core does what the Python loop does per key, in C:

* seed mode: SHA-512 and clamping of each 32-byte seed, fixed-base scalar
  multiplication (constant time), compression with one batched inversion, the body
  encoding of the format and the pre-check;
* expanded mode (onion): a clamped scalar ``a`` and the candidates ``(a + 8 i) B``,
  stepped by ``8 B``, compressed in batches, the base32 body filtered on the characters
  the public key fixes before any checksum is computed.

Only keys that pass the pre-check come back (index, public key, body), and Python scores
them exactly. The pre-check (``matcher_blob``) is a shift-and over every part at once;
``min_parts`` asks only for keys holding at least that many parts, which is what the
grinder needs once its best key already holds that many.
"""

from __future__ import annotations

import importlib.util
import os
import struct
from typing import TYPE_CHECKING

try:
    from . import _core
except ImportError as exc:  # not built: the pure-Python grinder runs instead
    _core = None
    _IMPORT_ERROR: str | None = (
        "no compiled _core module; build it with pip install --no-build-isolation --no-deps -e ."
        if importlib.util.find_spec(f"{__name__}._core") is None else str(exc)
    )
else:
    _IMPORT_ERROR = None
    if os.environ.get("VANIKEYS_NATIVE_KERNEL"):  # "baseline" or "avx2": pin the kernel (tests, ops)
        _core.set_kernel(os.environ["VANIKEYS_NATIVE_KERNEL"])

if TYPE_CHECKING:
    from ..pattern import CompiledPattern

FORMAT_IDS = {"did:key": 0, "solana": 1, "ssh": 2, "ssh-fp": 3, "onion": 4}
DISABLE_VARIABLE = "VANIKEYS_NATIVE"


def built() -> bool:
    """Whether the compiled core could be imported."""
    return _core is not None


def available() -> bool:
    """Whether the grinder uses the compiled core: built, and not turned off."""
    return _core is not None and os.environ.get(DISABLE_VARIABLE, "1") != "0"


def path() -> str:
    """``"native"`` or ``"python"``: which grinding path runs in this process."""
    return "native" if available() else "python"


def status() -> str:
    """One line for people: which path runs, and why not the native one."""
    if _core is None:
        return f"python (native core not built: {_IMPORT_ERROR})"
    if not available():
        return f"python (native core turned off by {DISABLE_VARIABLE}=0)"
    return f"native ({_core.info()['kernel']} kernel)"


def core():
    """The extension module itself (tests, benchmarks); ImportError when not built."""
    if _core is None:
        raise ImportError(f"the native core is not built: {_IMPORT_ERROR}")
    return _core


def format_id(format_name: str) -> int:
    return FORMAT_IDS[format_name]


def _u128(value: int) -> bytes:
    return value.to_bytes(16, "little")


def matcher_blob(compiled: CompiledPattern) -> bytes | None:
    """The pre-check of a words pattern for the core (None for a regex pattern).

    Parts are laid side by side in a 128-bit word: part p starts at bit o_p; bit o_p + j
    of the mask of alphabet digit c is set when c is in the class of the part's j-th
    character. See the matcher section of _core.c.
    """
    if compiled.regex is not None:
        return None
    index = {char: i for i, char in enumerate(compiled.format.alphabet)}
    starts, ends, masks, offset = 0, [0] * 8, [0] * 64, 0
    for part, classes in enumerate(compiled.classes):
        starts |= 1 << offset
        for j, chars in enumerate(classes):
            for char in chars:
                masks[index[char]] |= 1 << (offset + j)
        ends[part] = 1 << (offset + len(classes) - 1)
        offset += len(classes)
    if offset > 128 or len(compiled.classes) > 8:
        raise ValueError("a pattern for the native pre-check has at most 8 parts and 128 characters")
    blob = struct.pack("<Q", len(compiled.classes)) + _u128(starts)
    blob += b"".join(map(_u128, ends)) + b"".join(map(_u128, masks))
    return blob
