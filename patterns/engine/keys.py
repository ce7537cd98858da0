"""Seeds, keypairs and the standard encodings of a key (PRODUCT.md §1).

A key's secret is either its 32-byte Ed25519 seed (seed mode, every format) or, for an
onion key found in expanded-key mode, the 64-byte expanded key Tor stores: a clamped
scalar ``a`` and a 32-byte prefix (RFC 8032 §5.1.5 names both; there is no seed behind
such a key). Everything is derived from the secret; serialisation that a library already
does (PKCS#8, OpenSSH) is done by ``cryptography``. An expanded key exports only as Tor's
``hs_ed25519_secret_key`` (and its public address): ``private_encodings`` says which
encodings a secret offers and why not the others.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import secrets
import struct
from pathlib import Path
from typing import Any

import based58
import nacl.bindings
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from .formats import (
    DID_MULTICODEC_ED25519,
    get_format,
    ssh_address,
    ssh_fingerprint,
)

SEED_LENGTH = 32
EXPANDED_LENGTH = 64
KEY_MODES = ("seed", "expanded")
GROUP_ORDER = 2**252 + 27742317777372353535851937790883648493  # L, the order of B (RFC 8032)
TOR_SECRET_HEADER = b"== ed25519v1-secret: type0 ==\x00\x00\x00"
TOR_PUBLIC_HEADER = b"== ed25519v1-public: type0 ==\x00\x00\x00"
DID_MULTICODEC_X25519 = b"\xec\x01"
DID_CONTEXT = [
    "https://www.w3.org/ns/did/v1",
    "https://w3id.org/security/suites/ed25519-2020/v1",
    "https://w3id.org/security/suites/x25519-2020/v1",
]


def new_seed() -> bytes:
    """A fresh seed from the OS CSPRNG."""
    return secrets.token_bytes(SEED_LENGTH)


def _checked_seed(seed: bytes) -> bytes:
    if len(seed) != SEED_LENGTH:
        raise ValueError(f"an Ed25519 seed is {SEED_LENGTH} bytes, got {len(seed)}")
    return bytes(seed)


def keypair_from_seed(seed: bytes) -> tuple[bytes, bytes]:
    """(public key, 64-byte libsodium secret key = seed ‖ public key)."""
    return nacl.bindings.crypto_sign_seed_keypair(_checked_seed(seed))


def public_key_from_seed(seed: bytes) -> bytes:
    return keypair_from_seed(seed)[0]


def is_expanded(secret: bytes) -> bool:
    """Whether ``secret`` is a 64-byte expanded key rather than a 32-byte seed."""
    return len(secret) == EXPANDED_LENGTH


def key_mode(secret: bytes) -> str:
    """``"seed"`` or ``"expanded"``."""
    return "expanded" if is_expanded(_checked_secret(secret)) else "seed"


def _checked_expanded(expanded: bytes) -> bytes:
    """A 64-byte expanded key whose scalar is clamped as Tor's are: the low 3 bits clear,
    bit 254 set and bit 255 clear."""
    expanded = bytes(expanded)
    if len(expanded) != EXPANDED_LENGTH:
        raise ValueError(f"an expanded Ed25519 key is {EXPANDED_LENGTH} bytes, got {len(expanded)}")
    if expanded[0] & 7 or expanded[31] & 0xC0 != 0x40:
        raise ValueError("the scalar of an expanded key must be clamped (RFC 8032 §5.1.5)")
    return expanded


def _checked_secret(secret: bytes) -> bytes:
    if len(secret) == EXPANDED_LENGTH:
        return _checked_expanded(secret)
    return _checked_seed(secret)


def public_key_from_secret(secret: bytes) -> bytes:
    """The public key of a seed, or of an expanded key (a B for its scalar a)."""
    secret = _checked_secret(secret)
    if is_expanded(secret):
        return nacl.bindings.crypto_scalarmult_ed25519_base_noclamp(secret[:32])
    return public_key_from_seed(secret)


def expanded_key(secret: bytes) -> bytes:
    """The 64-byte expanded key (clamped scalar ‖ prefix) of a seed or an expanded key."""
    secret = _checked_secret(secret)
    return secret if is_expanded(secret) else tor_expanded_secret_key(secret)


def sign_expanded(expanded: bytes, message: bytes) -> bytes:
    """An RFC 8032 Ed25519 signature (§5.1.6) made from an expanded key: r = H(prefix ‖ M)
    mod L, R = r B, S = (r + H(R ‖ A ‖ M) a) mod L. For the expanded key of a seed it is
    the seed's own signature."""
    expanded = _checked_expanded(expanded)
    a = int.from_bytes(expanded[:32], "little")
    public_key = public_key_from_secret(expanded)
    r = int.from_bytes(hashlib.sha512(expanded[32:] + message).digest(), "little") % GROUP_ORDER
    big_r = nacl.bindings.crypto_scalarmult_ed25519_base_noclamp(r.to_bytes(32, "little"))
    k = int.from_bytes(hashlib.sha512(big_r + public_key + message).digest(), "little") % GROUP_ORDER
    return big_r + ((r + k * a) % GROUP_ORDER).to_bytes(32, "little")


def sign(secret: bytes, message: bytes) -> bytes:
    """An Ed25519 signature of ``message`` by a seed or an expanded key."""
    secret = _checked_secret(secret)
    if is_expanded(secret):
        return sign_expanded(secret, message)
    return private_key_object(secret).sign(message)


def private_key_object(seed: bytes) -> Ed25519PrivateKey:
    """The seed as a ``cryptography`` key, for signing and serialisation."""
    return Ed25519PrivateKey.from_private_bytes(_checked_seed(seed))


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def jwk(seed: bytes) -> dict[str, str]:
    """RFC 8037 OKP private JWK."""
    return {"kty": "OKP", "crv": "Ed25519", "d": _b64url(seed), "x": _b64url(public_key_from_seed(seed))}


def pkcs8_pem(seed: bytes) -> str:
    """RFC 8410 PKCS#8 PEM, unencrypted."""
    return private_key_object(seed).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")


def openssh_pem(seed: bytes, comment: str) -> str:
    """OpenSSH private key file (``-----BEGIN OPENSSH PRIVATE KEY-----``) with ``comment``."""
    pem = private_key_object(seed).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()
    )
    return _with_openssh_comment(pem, comment).decode("ascii")


def _ssh_string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def _read_ssh_string(data: bytes, offset: int) -> tuple[bytes, int]:
    (length,) = struct.unpack_from(">I", data, offset)
    end = offset + 4 + length
    return data[offset + 4:end], end


def _with_openssh_comment(pem: bytes, comment: str) -> bytes:
    """Set the comment of an unencrypted OpenSSH key written by ``cryptography``.

    ``cryptography`` always writes an empty comment. The unencrypted private section is
    checkint ×2, key type, public key, private key, comment, then padding 1, 2, 3… to a
    multiple of 8 (PROTOCOL.key); this rewrites only the comment and the padding.
    """
    lines = pem.decode("ascii").strip().splitlines()
    blob = base64.b64decode("".join(lines[1:-1]))
    magic = b"openssh-key-v1\x00"
    offset = len(magic)
    for _ in range(3):  # cipher name, kdf name, kdf options
        _, offset = _read_ssh_string(blob, offset)
    offset += 4  # number of keys (always 1 here)
    _, offset = _read_ssh_string(blob, offset)  # public key blob
    header = blob[:offset]
    private, _ = _read_ssh_string(blob, offset)
    position = 8
    for _ in range(3):  # key type, public key, private key
        _, position = _read_ssh_string(private, position)
    section = private[:position] + _ssh_string(comment.encode("utf-8"))
    section += bytes(range(1, 1 + (-len(section) % 8)))
    body = base64.b64encode(header + _ssh_string(section)).decode("ascii")
    wrapped = [body[i:i + 70] for i in range(0, len(body), 70)]
    return "\n".join([lines[0], *wrapped, lines[-1], ""]).encode("ascii")


def openssh_public(public_key: bytes, comment: str = "") -> str:
    """The ``authorized_keys`` line: ``ssh-ed25519 AAAA… comment``."""
    line = ssh_address(public_key)
    return f"{line} {comment}" if comment else line


def solana_json(seed: bytes) -> str:
    """The keypair file as ``solana-keygen`` writes it: 64 bytes seed ‖ public key."""
    return json.dumps(list(seed + public_key_from_seed(seed)), separators=(",", ":"))


def tor_expanded_secret_key(seed: bytes) -> bytes:
    """Tor's 64-byte expanded key: SHA-512(seed) with the scalar half clamped."""
    expanded = bytearray(hashlib.sha512(_checked_seed(seed)).digest())
    expanded[0] &= 248
    expanded[31] &= 127
    expanded[31] |= 64
    return bytes(expanded)


def tor_secret_key_file(secret: bytes) -> bytes:
    """The content of Tor's ``hs_ed25519_secret_key`` for a seed or an expanded key."""
    return TOR_SECRET_HEADER + expanded_key(secret)


def tor_public_key_file(public_key: bytes) -> bytes:
    """The content of Tor's ``hs_ed25519_public_key``."""
    return TOR_PUBLIC_HEADER + public_key


def did_document(public_key: bytes) -> dict[str, Any]:
    """The W3C did:key document of an Ed25519 key, with its derived X25519 key agreement key."""
    ed_multibase = "z" + based58.b58encode(DID_MULTICODEC_ED25519 + public_key).decode("ascii")
    x25519 = nacl.bindings.crypto_sign_ed25519_pk_to_curve25519(public_key)
    x_multibase = "z" + based58.b58encode(DID_MULTICODEC_X25519 + x25519).decode("ascii")
    did = f"did:key:{ed_multibase}"
    signing_id = f"{did}#{ed_multibase}"
    return {
        "@context": list(DID_CONTEXT),
        "id": did,
        "verificationMethod": [
            {"id": signing_id, "type": "Ed25519VerificationKey2020", "controller": did,
             "publicKeyMultibase": ed_multibase},
        ],
        "authentication": [signing_id],
        "assertionMethod": [signing_id],
        "capabilityDelegation": [signing_id],
        "capabilityInvocation": [signing_id],
        "keyAgreement": [
            {"id": f"{did}#{x_multibase}", "type": "X25519KeyAgreementKey2020", "controller": did,
             "publicKeyMultibase": x_multibase},
        ],
    }


def default_comment(public_key: bytes, format_name: str) -> str:
    """``vanikeys`` plus what identifies the key in its format (the fingerprint for ssh)."""
    fmt = get_format(format_name)
    if fmt.name in ("ssh", "ssh-fp"):
        return f"vanikeys {ssh_fingerprint(public_key)}"
    return f"vanikeys {fmt.address(public_key)}"


SEED_ENCODINGS = ("seed_hex", "jwk", "pkcs8_pem", "openssh_pem")
EXPANDED_ONLY_REASON = (
    "this onion key was found in expanded-key mode (a random clamped scalar stepped by 8·B, "
    "the way Tor's vanity tools work): there is no 32-byte seed behind it, so it exists only as "
    "Tor's hs_ed25519_secret_key; grind in seed mode for an onion key with every encoding"
)


def private_encodings(secret: bytes, format_name: str) -> dict[str, str | None]:
    """Every private encoding that applies to ``format_name``, in export order: None when
    ``secret`` offers it, else one sentence saying why not (for the UI and the API)."""
    fmt = get_format(format_name)
    names = list(SEED_ENCODINGS)
    if fmt.name == "solana":
        names.append("solana_json")
    if fmt.name == "onion":
        names.append("tor_secret_key_b64")
    if not is_expanded(_checked_secret(secret)):
        return dict.fromkeys(names)
    return {name: None if name == "tor_secret_key_b64" else EXPANDED_ONLY_REASON for name in names}


def _expanded_for(secret: bytes, format_name: str) -> bytes | None:
    """The expanded key when ``secret`` is one (only onion keys can be), else None."""
    secret = _checked_secret(secret)
    if not is_expanded(secret):
        return None
    if get_format(format_name).name != "onion":
        raise ValueError("an expanded key exports only as an onion key")
    return secret


def export_private_key(secret: bytes, format_name: str, comment: str | None = None) -> dict[str, Any]:
    """Every private encoding of the secret that applies to ``format_name`` (JSON-serialisable).

    A seed gives all of them; an expanded onion key only ``tor_secret_key_b64`` (see
    ``private_encodings`` for why)."""
    expanded = _expanded_for(secret, format_name)
    if expanded is not None:
        return {"tor_secret_key_b64": base64.b64encode(tor_secret_key_file(expanded)).decode("ascii")}
    seed = secret
    public_key = public_key_from_seed(seed)
    fmt = get_format(format_name)
    comment = default_comment(public_key, fmt.name) if comment is None else comment
    exported: dict[str, Any] = {
        "seed_hex": binascii.hexlify(seed).decode("ascii"),
        "jwk": jwk(seed),
        "pkcs8_pem": pkcs8_pem(seed),
        "openssh_pem": openssh_pem(seed, comment),
    }
    if fmt.name == "solana":
        exported["solana_json"] = solana_json(seed)
    if fmt.name == "onion":
        exported["tor_secret_key_b64"] = base64.b64encode(tor_secret_key_file(seed)).decode("ascii")
    return exported


def export_public_key(public_key: bytes, format_name: str, comment: str = "") -> dict[str, Any]:
    """The public side: address, hex key, OpenSSH line, and the DID document for did:key."""
    fmt = get_format(format_name)
    exported: dict[str, Any] = {
        "format": fmt.name,
        "address": fmt.address(public_key),
        "public_key_hex": binascii.hexlify(public_key).decode("ascii"),
        "openssh_public": openssh_public(public_key, comment),
    }
    if fmt.name == "did:key":
        exported["did_document"] = did_document(public_key)
    return exported


def export_filenames(format_name: str, key_mode: str = "seed") -> list[str]:
    """The names files_for_export uses for ``format_name`` (to check a directory up front);
    ``key_mode="expanded"`` for an onion key found in expanded-key mode."""
    if key_mode not in KEY_MODES:
        raise ValueError(f"key_mode must be one of {', '.join(KEY_MODES)}")
    if key_mode == "expanded":
        return list(files_for_export(expanded_key(bytes(SEED_LENGTH)), format_name))
    return list(files_for_export(bytes(SEED_LENGTH), format_name))


def files_for_export(secret: bytes, format_name: str, comment: str | None = None) -> dict[str, str | bytes]:
    """filename → content for every encoding; the onion files form a Tor HiddenServiceDir.

    An expanded onion key gives only the address and the HiddenServiceDir files."""
    fmt = get_format(format_name)
    expanded = _expanded_for(secret, fmt.name)
    if expanded is not None:
        public_key = public_key_from_secret(expanded)
        address = fmt.address(public_key)
        return {
            "address.txt": address + "\n",
            "hs_ed25519_secret_key": tor_secret_key_file(expanded),
            "hs_ed25519_public_key": tor_public_key_file(public_key),
            "hostname": address + "\n",
        }
    seed = secret
    public_key = public_key_from_seed(seed)
    comment = default_comment(public_key, fmt.name) if comment is None else comment
    private = export_private_key(seed, fmt.name, comment)
    address = fmt.address(public_key)
    files: dict[str, str | bytes] = {
        "address.txt": address + "\n",
        "seed.hex": private["seed_hex"] + "\n",
        "private.jwk.json": json.dumps(private["jwk"], indent=2) + "\n",
        "private.pkcs8.pem": private["pkcs8_pem"],
        "id_ed25519": private["openssh_pem"],
        "id_ed25519.pub": openssh_public(public_key, comment) + "\n",
    }
    if fmt.name == "did:key":
        files["did.json"] = json.dumps(did_document(public_key), indent=2) + "\n"
    if fmt.name == "solana":
        files["solana-keypair.json"] = private["solana_json"]
    if fmt.name == "onion":
        files["hs_ed25519_secret_key"] = tor_secret_key_file(seed)
        files["hs_ed25519_public_key"] = tor_public_key_file(public_key)
        files["hostname"] = address + "\n"
    return files


def write_files(directory: str | os.PathLike[str], files: dict[str, str | bytes]) -> list[Path]:
    """Write ``files`` into ``directory`` (created 0700) as new files with mode 0600.

    Existing files are never overwritten: a clash raises FileExistsError.
    """
    target = Path(directory)
    target.mkdir(mode=0o700, parents=True, exist_ok=True)
    written = []
    for name, content in files.items():
        path = target / name
        data = content.encode("utf-8") if isinstance(content, str) else content
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        written.append(path)
    return written
