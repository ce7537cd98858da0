"""Keys the native grinder finds, in both key modes: consistent, loadable by the ordinary
tools of each ecosystem, signing for their address; and Tor itself accepts an expanded key."""

from __future__ import annotations

import base64
import hashlib
import importlib
import math
import os
import shutil
import subprocess
import time

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from patterns.engine import (
    FORMATS,
    PatternSpec,
    compile_pattern,
    evaluate,
    exact_odds,
    export_private_key,
    files_for_export,
    grind,
    grind_parallel,
    native,
    private_encodings,
    resolve_key_mode,
    write_files,
)
from patterns.engine.formats import AddressNotReversible, ssh_fingerprint
from patterns.engine.grind import candidate_from_secret
from patterns.engine.keys import (
    EXPANDED_ONLY_REASON,
    expanded_key,
    public_key_from_secret,
    sign,
    sign_expanded,
    tor_expanded_secret_key,
)
from patterns.engine.matcher import quick_rank
from patterns.engine.odds import at_least

grind_module = importlib.import_module("patterns.engine.grind")
MESSAGE = b"VaniKeys signs this"
ON_CI = os.environ.get("CI") == "true"


@pytest.fixture(autouse=True)
def native_core(core):
    """Every test here runs on the native path (skipped where it is not built or turned off)."""
    if not native.available():
        pytest.skip(native.status())


def compiled(pattern: str, fmt: str, **options):
    return compile_pattern(PatternSpec(pattern, fmt, **options))


def public_key_of_address(fmt: str, candidate) -> bytes:
    try:
        return FORMATS[fmt].public_key_from_address(candidate.address)
    except AddressNotReversible:  # ssh-fp: the address is the key's fingerprint
        assert candidate.address == ssh_fingerprint(candidate.public_key)
        return candidate.public_key


def assert_consistent(pattern, best):
    assert best == candidate_from_secret(pattern, best.secret)
    assert best.match == evaluate(pattern, best.body)
    assert best.public_key == public_key_from_secret(best.secret)


def test_onion_defaults_to_expanded_key_mode_where_the_core_runs():
    assert resolve_key_mode(compiled("ab", "onion")) == "expanded"
    assert resolve_key_mode(compiled("ab", "onion"), "seed") == "seed"
    assert resolve_key_mode(compiled("ab", "did:key")) == "seed"
    with pytest.raises(ValueError, match="onion keys only"):
        resolve_key_mode(compiled("ab", "did:key"), "expanded")
    with pytest.raises(ValueError, match="key_mode must be one of"):
        resolve_key_mode(compiled("ab", "onion"), "fast")


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_keys_found_in_every_format_load_in_cryptography_and_sign_for_their_address(fmt):
    pattern = compiled("ab", fmt, case_insensitive=True)
    best = grind(pattern, until="jackpot", key_mode="seed").best
    assert best.match.jackpot and not best.expanded
    assert_consistent(pattern, best)
    exported = export_private_key(best.secret, fmt)
    key = serialization.load_pem_private_key(exported["pkcs8_pem"].encode(), password=None)
    assert isinstance(key, Ed25519PrivateKey)
    assert key.private_bytes_raw() == best.secret
    public = Ed25519PublicKey.from_public_bytes(public_key_of_address(fmt, best))
    public.verify(key.sign(MESSAGE), MESSAGE)
    public.verify(sign(best.secret, MESSAGE), MESSAGE)
    openssh = serialization.load_ssh_private_key(exported["openssh_pem"].encode(), password=None)
    public.verify(openssh.sign(MESSAGE), MESSAGE)


@pytest.mark.skipif(shutil.which("ssh-keygen") is None and not ON_CI, reason="ssh-keygen is not installed")
@pytest.mark.parametrize("fmt", ["ssh", "ssh-fp"])
def test_an_openssh_export_loads_in_ssh_keygen(fmt, tmp_path):
    best = grind(compiled("ab", fmt, case_insensitive=True), until="jackpot").best
    written = write_files(tmp_path / "key", files_for_export(best.secret, fmt))
    private = next(path for path in written if path.name == "id_ed25519")
    derived = subprocess.run(["ssh-keygen", "-y", "-f", str(private)], capture_output=True, text=True,
                             check=True).stdout.split()
    assert " ".join(derived[:2]) == FORMATS["ssh"].address(best.public_key)
    fingerprint = subprocess.run(["ssh-keygen", "-l", "-f", str(private)], capture_output=True, text=True,
                                 check=True).stdout.split()[1]
    assert fingerprint == ssh_fingerprint(best.public_key)


def test_an_expanded_onion_key_signs_and_verifies_against_its_address():
    pattern = compiled("ab", "onion")
    best = grind(pattern, until="jackpot").best
    assert best.expanded and len(best.secret) == 64
    assert_consistent(pattern, best)
    public = Ed25519PublicKey.from_public_bytes(FORMATS["onion"].public_key_from_address(best.address))
    public.verify(sign_expanded(best.secret, MESSAGE), MESSAGE)
    with pytest.raises(InvalidSignature):
        public.verify(sign_expanded(best.secret, MESSAGE), MESSAGE + b"!")


def test_expanded_signing_is_ed25519_signing_for_the_expanded_key_of_a_seed():
    for _ in range(20):
        seed = os.urandom(32)
        assert expanded_key(seed) == tor_expanded_secret_key(seed)
        assert sign_expanded(expanded_key(seed), MESSAGE) == Ed25519PrivateKey.from_private_bytes(seed).sign(MESSAGE)


def test_an_expanded_key_exports_only_as_tor_files_and_says_why():
    best = grind(compiled("ab", "onion"), until="jackpot").best
    exported = export_private_key(best.secret, "onion")
    assert set(exported) == {"tor_secret_key_b64"}
    secret_file = base64.b64decode(exported["tor_secret_key_b64"])
    assert secret_file == b"== ed25519v1-secret: type0 ==\0\0\0" + best.secret
    assert set(files_for_export(best.secret, "onion")) == {"address.txt", "hs_ed25519_secret_key",
                                                           "hs_ed25519_public_key", "hostname"}
    offered = private_encodings(best.secret, "onion")
    assert offered["tor_secret_key_b64"] is None
    assert {name for name, why in offered.items() if why} == {"seed_hex", "jwk", "pkcs8_pem", "openssh_pem"}
    assert set(offered.values()) == {None, EXPANDED_ONLY_REASON}
    assert private_encodings(os.urandom(32), "onion") == dict.fromkeys(offered)
    with pytest.raises(ValueError, match="only as an onion key"):
        export_private_key(best.secret, "did:key")
    # the scalar is in Tor's clamping range
    scalar = int.from_bytes(best.secret[:32], "little")
    assert scalar % 8 == 0 and 2**254 <= scalar < 2**255


def test_expanded_candidates_of_one_batch_never_share_a_prefix(monkeypatch):
    pattern = compiled("a", "onion")
    bests = {grind(pattern, budget=2000).best.secret[32:] for _ in range(5)}
    assert len(bests) == 5


class CountingRandom:
    def __init__(self) -> None:
        self.counter = 0

    def __call__(self, size: int) -> bytes:
        out = b""
        while len(out) < size:
            self.counter += 1
            out += hashlib.sha256(self.counter.to_bytes(8, "big")).digest()
        return out[:size]


def test_expanded_mode_finds_the_best_score_among_every_candidate(core, monkeypatch):
    monkeypatch.setattr(grind_module.os, "urandom", CountingRandom())
    pattern = compiled("ab cd ef", "onion")
    result = grind(pattern, budget=16384, key_mode="expanded")
    assert result.keys_tried == 16384
    monkeypatch.setattr(grind_module.os, "urandom", CountingRandom())   # the same scalar again
    scalar = grind_module.clamped_scalar(16384)
    _, _, bodies = core.expanded_batch(scalar, 16384, None)
    ranks = [evaluate(pattern, body).rank for body in bodies.split("\n")]
    assert result.best.rank[:2] == max(ranks)[:2]
    assert max(ranks)[1] >= 1
    assert_consistent(pattern, result.best)


@pytest.mark.parametrize("key_mode", ["seed", "expanded"])
def test_parallel_grinding_in_both_key_modes(key_mode):
    pattern = compiled("ab", "onion")
    result = grind_parallel(pattern, workers=2, budget=40_000, key_mode=key_mode)
    assert result.keys_tried == 40_000
    assert result.best.expanded == (key_mode == "expanded")
    assert_consistent(pattern, result.best)


@pytest.mark.parametrize("text, options", [("a", {}), ("ab", {"case_insensitive": True}), ("d", {"anchor": "suffix"}),
                                           ("ad", {"anchor": "suffix"}), ("e", {"anchor": "prefix"}), ("2 3", {})])
def test_exact_odds_agree_with_expanded_mode_keys(core, text, options):
    """The odds' Monte-Carlo check, on bodies of consecutive expanded-mode candidates."""
    spec = PatternSpec(text, "onion", **options)
    pattern = compile_pattern(spec)
    scalar = (2**254 + 8 * int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")).to_bytes(32, "little")
    bodies = core.expanded_batch(scalar, 30_000, None)[2].split("\n")
    p_jackpot, exactly = exact_odds(spec)
    ranks = [quick_rank(pattern, body) for body in bodies]
    levels = [(p, sum(1 for _, s in ranks if s >= k)) for k, p in enumerate(at_least(exactly)) if k]
    levels.append((p_jackpot, sum(j for j, _ in ranks)))
    for p, count in levels:
        if min(p, 1 - p) * len(bodies) >= 5:
            se = math.sqrt(p * (1 - p) / len(bodies))
            assert abs(count / len(bodies) - p) <= 4 * se, (p, count / len(bodies))


TORRC = """\
DataDirectory {data}
SocksPort 0
DisableNetwork 1
Log notice stdout
HiddenServiceDir {service}
HiddenServicePort 80 127.0.0.1:9
"""


@pytest.mark.skipif(shutil.which("tor") is None and not ON_CI,
                    reason="Debian's tor is not installed (apt-get install -y tor)")
def test_tor_writes_the_expected_hostname_for_an_expanded_key(tmp_path):
    best = grind(compiled("ab", "onion"), until="jackpot").best
    assert best.expanded
    data, service = tmp_path / "data", tmp_path / "service"
    data.mkdir(mode=0o700)
    files = files_for_export(best.secret, "onion")
    write_files(service, {"hs_ed25519_secret_key": files["hs_ed25519_secret_key"]})
    service.chmod(0o700)
    torrc = tmp_path / "torrc"
    torrc.write_text(TORRC.format(data=data, service=service))
    tor = subprocess.Popen(["tor", "-f", str(torrc)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        hostname = service / "hostname"
        deadline = time.monotonic() + 60
        while not (hostname.exists() and hostname.read_text().strip()) and time.monotonic() < deadline:
            assert tor.poll() is None, tor.stdout.read().decode()
            time.sleep(0.2)
        assert hostname.read_text() == files["hostname"]
        assert (service / "hs_ed25519_public_key").read_bytes() == files["hs_ed25519_public_key"]
    finally:
        tor.terminate()
        tor.wait(timeout=10)
