"""Seeds and exports (PRODUCT.md §1): standard encodings that load in the usual tools
and sign messages that verify against the address."""

import base64
import hashlib
import json
import stat
import subprocess

import nacl.bindings as sodium
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key, load_ssh_private_key

from patterns.engine import (
    FORMATS,
    export_filenames,
    export_private_key,
    export_public_key,
    files_for_export,
    get_format,
    write_files,
)
from patterns.engine.formats import ssh_fingerprint
from patterns.engine.keys import TOR_SECRET_HEADER, did_document, keypair_from_seed, new_seed
from tests.patterns.vectors import RFC8032_PUBLIC, RFC8032_SEED

MESSAGE = b"VaniKeys: this key is mine"


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_new_seeds_are_32_fresh_bytes():
    seeds = {new_seed() for _ in range(100)}
    assert len(seeds) == 100 and all(len(s) == 32 for s in seeds)


def test_rfc8032_test_1_seed_gives_its_public_key():
    assert keypair_from_seed(RFC8032_SEED)[0] == RFC8032_PUBLIC


def test_a_seed_must_be_32_bytes():
    with pytest.raises(ValueError, match="32 bytes"):
        keypair_from_seed(b"short")


def test_jwk_is_the_rfc8037_example_for_the_rfc8032_key():
    # RFC 8037 Appendix A.1 uses the same key.
    assert export_private_key(RFC8032_SEED, "did:key")["jwk"] == {
        "kty": "OKP", "crv": "Ed25519",
        "d": "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A",
        "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
    }


@pytest.mark.parametrize("name", list(FORMATS))
def test_every_export_is_json_serialisable_and_has_the_fields_of_its_format(name):
    exported = export_private_key(new_seed(), name)
    json.dumps(exported)
    expected = {"seed_hex", "jwk", "pkcs8_pem", "openssh_pem"}
    expected |= {"solana": {"solana_json"}, "onion": {"tor_secret_key_b64"}}.get(name, set())
    assert set(exported) == expected


def test_solana_json_is_seed_then_public_key_as_64_integers():
    seed = new_seed()
    array = json.loads(export_private_key(seed, "solana")["solana_json"])
    assert len(array) == 64 and all(isinstance(b, int) and 0 <= b < 256 for b in array)
    assert bytes(array[:32]) == seed
    assert bytes(array[32:]) == keypair_from_seed(seed)[0]
    assert get_format("solana").public_key_from_address(get_format("solana").address(bytes(array[32:]))) == bytes(array[32:])


def test_tor_secret_key_file_is_the_header_and_the_clamped_sha512_of_the_seed():
    raw = base64.b64decode(export_private_key(RFC8032_SEED, "onion")["tor_secret_key_b64"])
    assert raw[:32] == TOR_SECRET_HEADER == b"== ed25519v1-secret: type0 ==\0\0\0"
    # The expanded key Tor's ADD_ONION ED25519-V3 takes for this seed.
    assert base64.b64encode(raw[32:]).decode() == \
        "MHyDhk8oM8tCei7xwAoBPP3/J2jZgMCjpSDwBpBN6U+bTwr+KAt0aneGhOdUQlAgV7dHOgPwj5b1o46Sh+Afjw=="
    assert sodium.crypto_scalarmult_ed25519_base_noclamp(raw[32:64]) == RFC8032_PUBLIC


def test_did_document_of_the_w3c_example_derives_its_x25519_key():
    did = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
    document = did_document(get_format("did:key").public_key_from_address(did))
    assert document["id"] == did
    assert document["verificationMethod"][0]["id"] == did + "#z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
    assert document["authentication"] == [document["verificationMethod"][0]["id"]]
    assert document["keyAgreement"][0]["publicKeyMultibase"] == "z6LSj72tK8brWgZja8NLRwPigth2T9QRiG1uH9oKZuKjdh9p"


def test_public_export_has_the_did_document_only_for_did_key():
    assert "did_document" in export_public_key(RFC8032_PUBLIC, "did:key")
    assert "did_document" not in export_public_key(RFC8032_PUBLIC, "ssh")
    assert export_public_key(RFC8032_PUBLIC, "ssh", "me")["openssh_public"].endswith(" me")


def tor_sign(expanded: bytes, public_key: bytes, message: bytes) -> bytes:
    """Ed25519 signing from an expanded key, as Tor signs with hs_ed25519_secret_key."""
    reduce = sodium.crypto_core_ed25519_scalar_reduce
    r = reduce(hashlib.sha512(expanded[32:] + message).digest())
    big_r = sodium.crypto_scalarmult_ed25519_base_noclamp(r)
    k = reduce(hashlib.sha512(big_r + public_key + message).digest())
    a = reduce(expanded[:32] + bytes(32))
    s = sodium.crypto_core_ed25519_scalar_add(r, sodium.crypto_core_ed25519_scalar_mul(k, a))
    return big_r + s


def signers(exported: dict) -> dict:
    """A sign(message) function for each private encoding, each loaded on its own."""
    jwk_seed = unb64url(exported["jwk"]["d"])
    found = {
        "seed_hex": Ed25519PrivateKey.from_private_bytes(bytes.fromhex(exported["seed_hex"])).sign,
        "jwk": Ed25519PrivateKey.from_private_bytes(jwk_seed).sign,
        "pkcs8_pem": load_pem_private_key(exported["pkcs8_pem"].encode(), None).sign,
        "openssh_pem": load_ssh_private_key(exported["openssh_pem"].encode(), None).sign,
    }
    if "solana_json" in exported:
        keypair = bytes(json.loads(exported["solana_json"]))
        found["solana_json"] = lambda m: sodium.crypto_sign(m, keypair)[:64]
    if "tor_secret_key_b64" in exported:
        expanded = base64.b64decode(exported["tor_secret_key_b64"])[32:]
        public = Ed25519PrivateKey.from_private_bytes(jwk_seed).public_key().public_bytes_raw()
        found["tor_secret_key_b64"] = lambda m: tor_sign(expanded, public, m)
    return found


def public_key_of_address(name: str, seed: bytes) -> bytes:
    """The public key read back from the address (for ssh-fp: the key whose fingerprint it is)."""
    public = keypair_from_seed(seed)[0]
    fmt = get_format(name)
    address = fmt.address(public)
    if name == "ssh-fp":
        key = get_format("ssh").public_key_from_address(export_public_key(public, name)["openssh_public"])
        assert ssh_fingerprint(key) == address
        return key
    return fmt.public_key_from_address(address)


@pytest.mark.parametrize("name", list(FORMATS))
def test_every_export_signs_a_message_that_verifies_against_the_address(name):
    seed = new_seed()
    exported = export_private_key(seed, name)
    verifier = Ed25519PublicKey.from_public_bytes(public_key_of_address(name, seed))
    used = signers(exported)
    assert set(used) == set(exported)
    for sign in used.values():
        verifier.verify(sign(MESSAGE), MESSAGE)  # raises InvalidSignature otherwise


@pytest.mark.parametrize("name", list(FORMATS))
def test_files_for_export_are_written_0600_and_ssh_keygen_reads_the_key(tmp_path, name):
    seed = new_seed()
    written = write_files(tmp_path / "key", files_for_export(seed, name))
    assert sorted(p.name for p in written) == sorted(export_filenames(name))
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in written)
    assert stat.S_IMODE((tmp_path / "key").stat().st_mode) == 0o700
    derived = subprocess.run(["ssh-keygen", "-y", "-f", str(tmp_path / "key" / "id_ed25519")],
                             capture_output=True, text=True, check=True).stdout.split()
    public_line = (tmp_path / "key" / "id_ed25519.pub").read_text().split()
    assert derived == public_line
    assert public_line[2] == "vanikeys"  # the comment survives in the private key


def test_onion_export_is_a_tor_hidden_service_directory(tmp_path):
    seed = new_seed()
    write_files(tmp_path, files_for_export(seed, "onion"))
    public = keypair_from_seed(seed)[0]
    assert (tmp_path / "hostname").read_text() == get_format("onion").address(public) + "\n"
    assert (tmp_path / "hs_ed25519_public_key").read_bytes() == b"== ed25519v1-public: type0 ==\0\0\0" + public
    assert len((tmp_path / "hs_ed25519_secret_key").read_bytes()) == 96


def test_write_files_never_overwrites(tmp_path):
    write_files(tmp_path, {"seed.hex": "1\n"})
    with pytest.raises(FileExistsError):
        write_files(tmp_path, {"seed.hex": "2\n"})
    assert (tmp_path / "seed.hex").read_text() == "1\n"
