"""The compiled core against libsodium, hashlib and the Python encoders and pre-check."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import random

import nacl.bindings
import pytest

from patterns.engine import FORMATS, PatternSpec, compile_pattern, native
from patterns.engine.grind import clamped_scalar as grinder_clamped_scalar
from patterns.engine.pattern import _compile

L = 2**252 + 27742317777372353535851937790883648493  # the order of B (RFC 8032)
IDENTITY = (1).to_bytes(32, "little")


def nacl_public_keys(seeds: bytes) -> bytes:
    keypair = nacl.bindings.crypto_sign_seed_keypair
    return b"".join([keypair(seeds[i:i + 32])[0] for i in range(0, len(seeds), 32)])


def first_difference(mine: bytes, theirs: bytes) -> int | None:
    for i in range(0, max(len(mine), len(theirs)), 32):
        if mine[i:i + 32] != theirs[i:i + 32]:
            return i // 32
    return None


def clamped_scalar(room: int = 1 << 20) -> bytes:
    """The grinder's own draw (Tor's clamping, room for ``room`` steps of 8)."""
    return grinder_clamped_scalar(room)


def compiled(pattern: str, fmt: str, **options):
    return compile_pattern(PatternSpec(pattern, fmt, **options))


# --- hashes ------------------------------------------------------------------------------

@pytest.mark.parametrize("length", [0, 1, 31, 32, 47, 48, 51, 55, 56, 63, 64, 111, 112, 127, 128, 135, 136, 137, 1000])
def test_the_hashes_equal_hashlib(core, length):
    data = os.urandom(length)
    assert core.sha512(data) == hashlib.sha512(data).digest()
    assert core.sha256(data) == hashlib.sha256(data).digest()
    assert core.sha3_256(data) == hashlib.sha3_256(data).digest()


# --- public keys -------------------------------------------------------------------------

def test_a_million_seeds_give_libsodiums_public_keys(core):
    """libsodium's side runs on every core (it is the slow one)."""
    chunks = [os.urandom(32 * 125_000) for _ in range(8)]
    with multiprocessing.get_context("fork").Pool(os.cpu_count() or 1) as pool:
        theirs = pool.map(nacl_public_keys, chunks)
    for seeds, expected in zip(chunks, theirs):
        mine = core.public_keys(seeds)
        assert mine == expected, f"seed {first_difference(mine, expected)} differs"


def test_every_kernel_gives_libsodiums_public_keys(kernel, core):
    seeds = os.urandom(32 * 20_000) + bytes(32) + b"\xff" * 32
    assert core.public_keys(seeds) == nacl_public_keys(seeds)


def test_seed_batches_of_any_length(core):
    for count in (0, 1, 255, 256, 257, 1000):
        seeds = os.urandom(32 * count)
        assert core.public_keys(seeds) == nacl_public_keys(seeds)
    with pytest.raises(ValueError, match="32 bytes each"):
        core.public_keys(b"x" * 33)


def test_scalar_multiples_of_the_base_point_equal_libsodiums(kernel, core):
    scalars = []
    for _ in range(5000):
        s = bytearray(os.urandom(32))
        s[31] &= 127
        scalars.append(bytes(s))
    edges = [1, 2, 7, 8, 9, 15, 16, 17, L - 1, L + 1, 2 * L - 1, 2**252, 2**254, 2**255 - 1, 2**255 - 19]
    scalars += [n.to_bytes(32, "little") for n in edges]
    points = core.scalarmult_base(b"".join(scalars))
    for i, s in enumerate(scalars):
        assert points[32 * i:32 * i + 32] == nacl.bindings.crypto_scalarmult_ed25519_base_noclamp(s), s.hex()
    # multiples of the order give the neutral element (libsodium refuses to return it)
    assert core.scalarmult_base(b"".join(n.to_bytes(32, "little") for n in (0, L, 2 * L))) == IDENTITY * 3
    with pytest.raises(ValueError, match="below 2\\^255"):
        core.scalarmult_base(b"\xff" * 32)


# --- expanded mode -----------------------------------------------------------------------

@pytest.mark.parametrize("count", [1, 7, 512, 513, 2600])
def test_expanded_candidates_step_by_eight_times_the_base_point(kernel, core, count):
    scalar = clamped_scalar()
    offsets, pks, bodies = core.expanded_batch(scalar, count, None)
    assert offsets == list(range(count))
    a = int.from_bytes(scalar, "little")
    for i in sorted({0, count // 2, count - 1} | set(random.sample(range(count), min(count, 300)))):
        expected = nacl.bindings.crypto_scalarmult_ed25519_base_noclamp((a + 8 * i).to_bytes(32, "little"))
        assert pks[32 * i:32 * i + 32] == expected, i
    onion = FORMATS["onion"]
    assert bodies.split("\n") == onion.batch_bodies(pks, count).split("\n")


def test_expanded_mode_refuses_scalars_out_of_tors_clamping_range(core):
    good = clamped_scalar()
    for bad in (bytes([good[0] | 1]) + good[1:], good[:31] + bytes([good[31] & 0x3f]),
                good[:31] + bytes([good[31] | 0x80])):
        with pytest.raises(ValueError, match="not clamped"):
            core.expanded_batch(bad, 10, None)
    top = (2**255 - 8).to_bytes(32, "little")   # clamped, but with no room for a second step
    assert core.expanded_batch(top, 1, None)[0] == [0]
    with pytest.raises(ValueError, match="no room"):
        core.expanded_batch(top, 2, None)
    assert core.expanded_batch(good, 0, None) == ([], b"", "")


# --- encoders ----------------------------------------------------------------------------

def edge_keys() -> list[bytes]:
    keys = [bytes(32), b"\xff" * 32, bytes(31) + b"\x01", b"\x01" + bytes(31), b"\x80" + bytes(31),
            bytes(31) + b"\x80", b"\x7f" + b"\xff" * 31, b"\xff" * 31 + b"\x00"]
    keys += [bytes(n) + os.urandom(32 - n) for n in range(1, 32)]
    keys += [bytes(n) + b"\x01" + bytes(31 - n) for n in range(32)]
    keys += [os.urandom(32) for _ in range(3000)]
    return keys


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_native_bodies_equal_the_python_encoders(kernel, core, fmt):
    keys = edge_keys()
    layout = FORMATS[fmt]
    python = layout.batch_bodies(b"".join(layout.slot_prefix + k for k in keys), len(keys))
    assert core.bodies(native.format_id(fmt), b"".join(keys)) == python


# --- the pre-check -----------------------------------------------------------------------

PATTERNS = [
    ("Vani Key", {}),
    ("vani key", {"case_insensitive": True}),
    ("GO BE AWE SOME", {"fuzzy": True}),
    ("a ab abc 9 zz", {"fuzzy": True, "case_insensitive": True}),
    ("ab ba ab", {"case_insensitive": True}),
    ("x", {}),
    ("abcdefghijkmnopq rstuvwxyzABCDEFG HJKLMNPQRSTUVWXY Z123456789abcdef", {}),   # 65 characters: two words
]
ONION_PATTERNS = [("d", {"anchor": "suffix"}), ("ad", {"anchor": "suffix"}), ("yd", {}), ("key", {}),
                  ("2 3", {}), ("aa", {"fuzzy": True}), ("ab ad", {})]


def parts_found(pattern, body: str) -> int:
    return sum(1 for regex in pattern.part_regexes if regex.search(body))


def random_bodies(fmt: str, count: int) -> list[str]:
    layout = FORMATS[fmt]
    rng = random.Random(fmt)
    return ["".join(rng.choice(layout.alphabet) for _ in range(layout.body_length)) for _ in range(count)]


def words_cases():
    for fmt in FORMATS:
        for text, options in PATTERNS + (ONION_PATTERNS if fmt == "onion" else []):
            try:
                case = compiled(text, fmt, **options)
            except ValueError:  # a pattern this format cannot hold
                continue
            yield pytest.param(fmt, case, id=f"{fmt}-{text[:20]}-{'-'.join(sorted(options))}")


@pytest.mark.parametrize("fmt, pattern", list(words_cases()))
def test_the_native_precheck_agrees_with_the_python_one(core, fmt, pattern):
    bodies = random_bodies(fmt, 3000)
    blob = native.matcher_blob(pattern)
    for min_parts in range(1, pattern.n + 1):
        expected = [i for i, body in enumerate(bodies) if parts_found(pattern, body) >= min_parts]
        assert core.precheck(native.format_id(fmt), blob, "\n".join(bodies), min_parts) == expected
    expected_any = [i for i, body in enumerate(bodies) if pattern.any_part_regex.search(body)]
    assert core.precheck(native.format_id(fmt), blob, "\n".join(bodies)) == expected_any


@pytest.mark.parametrize("fmt, pattern", list(words_cases()))
def test_seed_batches_report_exactly_the_keys_the_python_precheck_finds(kernel, core, fmt, pattern):
    seeds = os.urandom(32 * 3000)
    pks = nacl_public_keys(seeds)
    layout = FORMATS[fmt]
    bodies = layout.batch_bodies(b"".join(layout.slot_prefix + pks[i:i + 32] for i in range(0, len(pks), 32)),
                                 3000).split("\n")
    blob = native.matcher_blob(pattern)
    for min_parts in sorted({1, 2, pattern.n}):
        if min_parts > pattern.n:
            continue
        expected = [i for i, body in enumerate(bodies) if parts_found(pattern, body) >= min_parts]
        indices, hit_pks, hit_bodies = core.seed_batch(native.format_id(fmt), seeds, blob, min_parts)
        assert indices == expected
        assert hit_pks == b"".join(pks[32 * i:32 * i + 32] for i in expected)
        assert hit_bodies.split("\n") == ([bodies[i] for i in expected] or [""])


@pytest.mark.parametrize("text, options", PATTERNS[1:2] + PATTERNS[3:4] + ONION_PATTERNS)
def test_expanded_batches_report_exactly_the_keys_the_python_precheck_finds(kernel, core, text, options):
    pattern = compiled(text, "onion", **options)
    scalar, count = clamped_scalar(), 4000
    _, pks, bodies = core.expanded_batch(scalar, count, None)
    bodies = bodies.split("\n")
    blob = native.matcher_blob(pattern)
    for min_parts in sorted({1, pattern.n}):
        expected = [i for i, body in enumerate(bodies) if parts_found(pattern, body) >= min_parts]
        offsets, hit_pks, hit_bodies = core.expanded_batch(scalar, count, blob, min_parts)
        assert offsets == expected
        assert hit_pks == b"".join(pks[32 * i:32 * i + 32] for i in expected)
        assert hit_bodies.split("\n") == ([bodies[i] for i in expected] or [""])


def test_the_first_key_comes_back_when_asked_for_whatever_it_holds(kernel, core):
    pattern = compiled("zzzzzzzzzzzzzzzz", "did:key")
    seeds = os.urandom(32 * 300)
    blob = native.matcher_blob(pattern)
    assert core.seed_batch(0, seeds, blob)[0] == []
    indices, pks, body = core.seed_batch(0, seeds, blob, 1, True)
    assert indices == [0] and pks == nacl_public_keys(seeds[:32])
    assert body == FORMATS["did:key"].body_from_public_key(pks)
    onion = compiled("zzzzzzzzzzzzzzzz", "onion")
    offsets, pks, body = core.expanded_batch(clamped_scalar(), 300, native.matcher_blob(onion), 1, True)
    assert offsets == [0] and body == FORMATS["onion"].body_from_public_key(pks)


def test_a_regex_pattern_has_no_native_precheck():
    assert native.matcher_blob(_compile(PatternSpec("^a", mode="regex"))) is None


def test_bad_arguments_are_value_errors(core):
    with pytest.raises(ValueError, match="unknown format"):
        core.seed_batch(9, bytes(32), None)
    with pytest.raises(ValueError, match="matcher"):
        core.seed_batch(0, bytes(32), b"short")
    with pytest.raises(ValueError, match="32 bytes each"):
        core.seed_batch(0, bytes(33), None)
    with pytest.raises(ValueError, match="kernel"):
        core.set_kernel("quantum")
