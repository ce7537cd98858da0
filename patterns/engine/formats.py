"""The key formats of PRODUCT.md §1: how an Ed25519 public key becomes an address and
the *body* a pattern is matched against.

Each format also has a batch encoder used by the grinder. The grinder writes every
public key into a *slot* of a shared buffer, right after the format's fixed
``slot_prefix`` (the bytes that precede the key in what gets encoded, e.g. the
multicodec header of did:key or the wire header of ssh), and asks the format for the
bodies of all slots at once as one ``"\\n"``-separated string. Doing the encoding per
batch keeps Python-level work per key to a single C call where the encoding allows it
(base64, base32) and lets one regular-expression scan reject most keys.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache

import based58

BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
BASE64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
BASE32_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"

PUBLIC_KEY_LENGTH = 32

DID_KEY_PREFIX = "did:key:z"
DID_MULTICODEC_ED25519 = b"\xed\x01"
DID_BODY_PREFIX = "6Mk"  # every base58btc(0xed01 ‖ key) starts with these three digits

SSH_KEY_TYPE = "ssh-ed25519"
SSH_WIRE_HEADER = b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20"
SSH_BODY_OFFSET = 25  # base64 characters fixed by the 19-byte wire header
SSH_FP_PREFIX = "SHA256:"

ONION_SUFFIX = ".onion"
ONION_VERSION = b"\x03"
ONION_CHECKSUM_PREFIX = b".onion checksum"


class UnknownFormat(ValueError):
    """Raised for a format name that is not one of FORMATS."""


class AddressNotReversible(ValueError):
    """Raised when an address does not contain the public key (ssh-fp is a hash)."""


@dataclass(frozen=True)
class Format:
    """One key format. The callables are plain module functions, so a Format pickles.

    ``body_length`` is the longest body; ``min_body_length`` the shortest (they differ
    only for solana, whose address is a base58 number without fixed width).
    """

    name: str
    label: str
    alphabet: str
    body_length: int
    min_body_length: int
    slot_prefix: bytes
    address: Callable[[bytes], str]
    body: Callable[[str], str]
    public_key_from_address: Callable[[str], bytes]
    batch_bodies: Callable[[bytes, int], str]

    def body_from_public_key(self, public_key: bytes) -> str:
        """The body of one public key, through the same fast encoder as the grinder."""
        return self.batch_bodies(self.slot_prefix + public_key, 1)

    @property
    def slot_size(self) -> int:
        return len(self.slot_prefix) + PUBLIC_KEY_LENGTH


def _b58(data: bytes) -> str:
    return based58.b58encode(data).decode("ascii")


def _b58decode(text: str) -> bytes:
    try:
        return based58.b58decode(text.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise ValueError(f"not base58: {text!r}") from exc


def _b64(data: bytes) -> str:
    return binascii.b2a_base64(data, newline=False).decode("ascii")


def _strip(address: str, prefix: str, what: str) -> str:
    if not address.startswith(prefix):
        raise ValueError(f"not a {what} address: {address!r} does not start with {prefix!r}")
    return address[len(prefix):]


def _checked_key(public_key: bytes, what: str) -> bytes:
    if len(public_key) != PUBLIC_KEY_LENGTH:
        raise ValueError(f"{what} does not hold a 32-byte Ed25519 public key")
    return public_key


@lru_cache(maxsize=16)
def _slices(count: int, size: int) -> tuple[slice, ...]:
    return tuple(slice(o, o + size) for o in range(0, size * count, size))


def _slots(block: bytes, count: int, size: int) -> Iterator[bytes]:
    """The ``count`` slots of ``size`` bytes in ``block``."""
    return map(block.__getitem__, _slices(count, size))


def _fixed_width_bodies(text: str, count: int, stride: int, offset: int, length: int) -> str:
    """Cut ``count`` bodies of ``length`` characters out of a fixed-stride encoding."""
    return "\n".join([text[o:o + length] for o in range(offset, stride * count, stride)])


# --- did:key ---------------------------------------------------------------------------

def did_key_address(public_key: bytes) -> str:
    return DID_KEY_PREFIX + _b58(DID_MULTICODEC_ED25519 + public_key)


def did_key_body(address: str) -> str:
    return _strip(address, DID_KEY_PREFIX + DID_BODY_PREFIX, "did:key Ed25519")


def did_key_public_key(address: str) -> bytes:
    raw = _b58decode(_strip(address, DID_KEY_PREFIX, "did:key"))
    if not raw.startswith(DID_MULTICODEC_ED25519):
        raise ValueError(f"not an Ed25519 did:key: {address!r}")
    return _checked_key(raw[2:], address)


def _did_key_bodies(block: bytes, count: int) -> str:
    text = b"\n".join(map(based58.b58encode, _slots(block, count, 34)))
    return text.decode("ascii")[3:].replace("\n" + DID_BODY_PREFIX, "\n")


# --- solana ----------------------------------------------------------------------------

def solana_address(public_key: bytes) -> str:
    return _b58(public_key)


def solana_body(address: str) -> str:
    return address


def solana_public_key(address: str) -> bytes:
    return _checked_key(_b58decode(address), address)


def _solana_bodies(block: bytes, count: int) -> str:
    return b"\n".join(map(based58.b58encode, _slots(block, count, 32))).decode("ascii")


# --- ssh -------------------------------------------------------------------------------

def ssh_wire(public_key: bytes) -> bytes:
    """The OpenSSH wire encoding (RFC 8709): string "ssh-ed25519", string key."""
    return SSH_WIRE_HEADER + public_key


def ssh_address(public_key: bytes) -> str:
    return f"{SSH_KEY_TYPE} {_b64(ssh_wire(public_key))}"


def ssh_body(address: str) -> str:
    return _strip(address, SSH_KEY_TYPE + " ", "ssh")[SSH_BODY_OFFSET:]


def ssh_public_key(address: str) -> bytes:
    try:
        wire = base64.b64decode(_strip(address, SSH_KEY_TYPE + " ", "ssh").split()[0], validate=True)
    except (binascii.Error, IndexError) as exc:
        raise ValueError(f"not an ssh-ed25519 public key: {address!r}") from exc
    if not wire.startswith(SSH_WIRE_HEADER):
        raise ValueError(f"not an ssh-ed25519 public key: {address!r}")
    return _checked_key(wire[len(SSH_WIRE_HEADER):], address)


def _ssh_bodies(block: bytes, count: int) -> str:
    # 51-byte wire = 68 base64 characters with no padding, so slots encode independently.
    return _fixed_width_bodies(_b64(block), count, 68, SSH_BODY_OFFSET, 43)


# --- ssh-fp ----------------------------------------------------------------------------

def ssh_fingerprint(public_key: bytes) -> str:
    """What `ssh-keygen -l` prints: SHA256 of the wire format, unpadded base64."""
    return SSH_FP_PREFIX + _b64(hashlib.sha256(ssh_wire(public_key)).digest()).rstrip("=")


def ssh_fp_body(address: str) -> str:
    return _strip(address, SSH_FP_PREFIX, "ssh-fp")


def ssh_fp_public_key(address: str) -> bytes:
    raise AddressNotReversible(
        "an ssh-fp address is a SHA-256 fingerprint; the public key cannot be read from it"
    )


def _ssh_fp_bodies(block: bytes, count: int) -> str:
    # A zero byte after each 32-byte digest gives 33-byte groups (44 characters each)
    # whose first 43 characters are exactly the unpadded base64 of the digest.
    sha256 = hashlib.sha256
    digests = b"\0".join([sha256(slot).digest() for slot in _slots(block, count, 51)]) + b"\0"
    return _fixed_width_bodies(_b64(digests), count, 44, 0, 43)


# --- onion -----------------------------------------------------------------------------

def onion_checksum(public_key: bytes) -> bytes:
    """Tor rend-spec-v3: SHA3-256(".onion checksum" ‖ pubkey ‖ version)[:2]."""
    return hashlib.sha3_256(ONION_CHECKSUM_PREFIX + public_key + ONION_VERSION).digest()[:2]


def onion_address(public_key: bytes) -> str:
    return _onion_bodies(public_key, 1) + ONION_SUFFIX


def onion_body(address: str) -> str:
    if not address.endswith(ONION_SUFFIX):
        raise ValueError(f"not an onion address: {address!r} does not end with {ONION_SUFFIX!r}")
    return address[:-len(ONION_SUFFIX)]


def onion_public_key(address: str) -> bytes:
    label = onion_body(address)
    try:
        raw = base64.b32decode(label.upper())
    except binascii.Error as exc:
        raise ValueError(f"not a v3 onion address: {address!r}") from exc
    if len(raw) != 35 or raw[34:] != ONION_VERSION:
        raise ValueError(f"not a v3 onion address: {address!r}")
    public_key = raw[:32]
    if raw[32:34] != onion_checksum(public_key):
        raise ValueError(f"bad onion checksum: {address!r}")
    return public_key


def _onion_bodies(block: bytes, count: int) -> str:
    sha3 = hashlib.sha3_256
    prefix, version = ONION_CHECKSUM_PREFIX, ONION_VERSION
    raw = b"".join([
        pk + sha3(prefix + pk + version).digest()[:2] + version
        for pk in _slots(block, count, 32)
    ])
    return _fixed_width_bodies(base32_lower(raw), count, 56, 0, 56)


@lru_cache(maxsize=8)
def _lane_masks(groups: int) -> tuple[int, ...]:
    ones = int.from_bytes(b"\x01" * groups, "big")
    return tuple(ones * m for m in (1, 3, 7, 15, 31))


_BASE32_TABLE = bytes.maketrans(bytes(range(32)), BASE32_ALPHABET.encode("ascii"))


def base32_lower(data: bytes) -> str:
    """Unpadded lowercase RFC 4648 base32 of ``data`` (length a multiple of 5).

    base64.b32encode loops in Python per 5 bytes; here each of the 5 byte positions of
    the groups becomes one big integer with one byte per group ("lanes"), the 8 output
    digits are computed with a handful of big-integer shifts and masks for all groups
    at once, then interleaved and translated to the alphabet.
    """
    groups, rest = divmod(len(data), 5)
    if rest:
        raise ValueError("base32_lower needs a multiple of 5 bytes")
    m1, m3, m7, m15, m31 = _lane_masks(groups)
    b0, b1, b2, b3, b4 = (int.from_bytes(data[i::5], "big") for i in range(5))
    digits = (
        (b0 >> 3) & m31,
        ((b0 & m7) << 2) | ((b1 >> 6) & m3),
        (b1 >> 1) & m31,
        ((b1 & m1) << 4) | ((b2 >> 4) & m15),
        ((b2 & m15) << 1) | ((b3 >> 7) & m1),
        (b3 >> 2) & m31,
        ((b3 & m3) << 3) | ((b4 >> 5) & m7),
        b4 & m31,
    )
    out = bytearray(8 * groups)
    for j, lane in enumerate(digits):
        out[j::8] = lane.to_bytes(groups, "big")
    return out.translate(_BASE32_TABLE).decode("ascii")


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("did:key", "did:key (Ed25519)", BASE58_ALPHABET, 44, 44,
               DID_MULTICODEC_ED25519, did_key_address, did_key_body, did_key_public_key,
               _did_key_bodies),
        Format("solana", "Solana address", BASE58_ALPHABET, 44, 32,
               b"", solana_address, solana_body, solana_public_key, _solana_bodies),
        Format("ssh", "OpenSSH public key", BASE64_ALPHABET, 43, 43,
               SSH_WIRE_HEADER, ssh_address, ssh_body, ssh_public_key, _ssh_bodies),
        Format("ssh-fp", "OpenSSH SHA256 fingerprint", BASE64_ALPHABET, 43, 43,
               SSH_WIRE_HEADER, ssh_fingerprint, ssh_fp_body, ssh_fp_public_key,
               _ssh_fp_bodies),
        Format("onion", "Tor v3 onion address", BASE32_ALPHABET, 56, 56,
               b"", onion_address, onion_body, onion_public_key, _onion_bodies),
    )
}

DEFAULT_FORMAT = "did:key"


def get_format(name: str) -> Format:
    """The Format called ``name``; UnknownFormat (a ValueError) names the valid ones."""
    try:
        return FORMATS[name]
    except (KeyError, TypeError):
        raise UnknownFormat(
            f"unknown format {name!r}; choose one of {', '.join(FORMATS)}"
        ) from None
