"""Key formats (PRODUCT.md §1): addresses, bodies and their published test vectors."""

import base64
import hashlib
import os
import subprocess

import base58
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from patterns.engine import FORMATS, UnknownFormat, get_format
from patterns.engine.formats import AddressNotReversible, base32_lower
from tests.patterns.vectors import RFC8032_PUBLIC, RFC8032_SEED


def random_keys(count: int = 200) -> list[bytes]:
    return [os.urandom(32) for _ in range(count)]


def test_the_five_formats_are_offered_and_did_key_is_first():
    assert list(FORMATS) == ["did:key", "solana", "ssh", "ssh-fp", "onion"]


def test_an_unknown_format_is_a_value_error_naming_the_valid_ones():
    with pytest.raises(UnknownFormat, match="choose one of did:key, solana, ssh, ssh-fp, onion"):
        get_format("bitcoin")
    assert issubclass(UnknownFormat, ValueError)


def test_did_key_of_the_rfc8032_key_is_the_published_one():
    did = get_format("did:key").address(RFC8032_PUBLIC)
    assert did == "did:key:z6MktwupdmLXVVqTzCw4i46r4uGyosGXRnR3XjN4Zq7oMMsw"
    assert get_format("did:key").body(did) == "twupdmLXVVqTzCw4i46r4uGyosGXRnR3XjN4Zq7oMMsw"


def test_the_w3c_did_key_example_round_trips():
    did = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
    fmt = get_format("did:key")
    assert fmt.address(fmt.public_key_from_address(did)) == did


def test_a_did_key_body_is_the_44_characters_after_z6mk_and_starts_with_e_to_w():
    fmt = get_format("did:key")
    for key in random_keys():
        address = fmt.address(key)
        assert address.startswith("did:key:z6Mk")
        assert fmt.body(address) == address[len("did:key:z6Mk"):]
        assert len(fmt.body(address)) == 44
        assert fmt.body(address)[0] in "efghijkmnopqrstuvw"


def test_a_solana_address_is_base58_of_the_key_and_all_of_it_is_the_body():
    fmt = get_format("solana")
    for key in random_keys():
        address = fmt.address(key)
        assert address == base58.b58encode(key).decode()
        assert fmt.body(address) == address
        assert 32 <= len(address) <= 44
    assert fmt.address(bytes(32)) == "1" * 32


def ssh_keygen(*args: str, input_text: str | None = None) -> str:
    return subprocess.run(["ssh-keygen", *args], input=input_text, capture_output=True,
                          text=True, check=True).stdout.strip()


def test_ssh_address_is_what_ssh_keygen_prints_for_the_key(tmp_path):
    private = Ed25519PrivateKey.from_private_bytes(RFC8032_SEED)
    path = tmp_path / "id_ed25519"
    path.write_bytes(private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                                           serialization.NoEncryption()))
    path.chmod(0o600)
    fmt = get_format("ssh")
    address = fmt.address(RFC8032_PUBLIC)
    assert ssh_keygen("-y", "-f", str(path)).split()[:2] == address.split()
    assert address.startswith("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI")
    assert fmt.body(address) == address.split()[1][25:]
    assert fmt.public_key_from_address(address) == RFC8032_PUBLIC


def test_ssh_body_first_character_is_a_to_p():
    fmt = get_format("ssh")
    assert all(fmt.body(fmt.address(k))[0] in "ABCDEFGHIJKLMNOP" for k in random_keys())


def test_ssh_fp_address_is_the_fingerprint_ssh_keygen_prints(tmp_path):
    fmt = get_format("ssh-fp")
    for key in random_keys(3):
        line = get_format("ssh").address(key)
        printed = ssh_keygen("-l", "-f", "-", input_text=line + "\n").split()[1]
        assert fmt.address(key) == printed
        assert fmt.body(printed) == printed[len("SHA256:"):]
        assert len(fmt.body(printed)) == 43


def test_ssh_fp_cannot_give_back_a_public_key():
    fmt = get_format("ssh-fp")
    with pytest.raises(AddressNotReversible):
        fmt.public_key_from_address(fmt.address(RFC8032_PUBLIC))


def test_onion_address_of_the_rfc8032_key_is_the_published_one():
    assert get_format("onion").address(RFC8032_PUBLIC) == \
        "25njqamcweflpvkl73j4szahhihoc4xt3ktcgjnpaingr5yhkenl5sid.onion"


def rend_spec_onion(key: bytes) -> str:
    """rend-spec-v3: base32(PUBKEY | CHECKSUM | VERSION), CHECKSUM = H(".onion checksum" | PUBKEY | VERSION)[:2]."""
    checksum = hashlib.sha3_256(b".onion checksum" + key + b"\x03").digest()[:2]
    return base64.b32encode(key + checksum + b"\x03").decode().lower() + ".onion"


def test_onion_addresses_follow_the_rend_spec_and_round_trip():
    fmt = get_format("onion")
    for key in random_keys():
        address = fmt.address(key)
        assert address == rend_spec_onion(key)
        assert fmt.public_key_from_address(address) == key
        assert len(fmt.body(address)) == 56 and fmt.body(address).endswith("d")


def test_an_onion_address_with_a_wrong_checksum_is_refused():
    good = get_format("onion").address(RFC8032_PUBLIC)
    bad = good[:50] + ("a" if good[50] != "a" else "b") + good[51:]
    with pytest.raises(ValueError, match="checksum"):
        get_format("onion").public_key_from_address(bad)


def test_fast_base32_equals_the_standard_library():
    for length in (5, 35, 35 * 100):
        data = os.urandom(length)
        assert base32_lower(data) == base64.b32encode(data).decode().lower()


@pytest.mark.parametrize("name", list(FORMATS))
def test_the_batch_encoder_gives_each_keys_body(name):
    fmt = get_format(name)
    keys = random_keys(300)
    block = b"".join(fmt.slot_prefix + key for key in keys)
    expected = [fmt.body(fmt.address(key)) for key in keys]
    assert fmt.batch_bodies(block, len(keys)).split("\n") == expected
    assert [fmt.body_from_public_key(key) for key in keys] == expected


@pytest.mark.parametrize("name", list(FORMATS))
def test_bodies_use_only_the_alphabet_and_fit_the_body_length(name):
    fmt = get_format(name)
    for key in random_keys():
        body = fmt.body_from_public_key(key)
        assert set(body) <= set(fmt.alphabet)
        assert fmt.min_body_length <= len(body) <= fmt.body_length
