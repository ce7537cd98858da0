"""How a pull looks on a page: stars, highlighted windows, progress, key files."""
import base64
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

from django.conf import settings

from patterns.engine import CompiledPattern, PatternError, PatternSpec, compile_pattern, highlight_spans

from .models import Pull


@dataclass(frozen=True)
class Segment:
    text: str
    highlighted: bool


@dataclass(frozen=True)
class KeyFile:
    filename: str
    label: str
    content: str | bytes

    @property
    def text(self) -> str:
        """What the reveal panel shows: the text itself, or base64 for a binary file."""
        if isinstance(self.content, str):
            return self.content
        return base64.b64encode(self.content).decode("ascii") + "  (base64 of a binary file)"


FILE_LABELS = {
    "id_ed25519": "OpenSSH private key",
    "private.pkcs8.pem": "PKCS#8 PEM (RFC 8410)",
    "private.jwk.json": "JWK (RFC 8037)",
    "seed.hex": "32-byte seed (hex)",
    "solana-keypair.json": "Solana keypair (as solana-keygen writes it)",
    "hs_ed25519_secret_key": "Tor hs_ed25519_secret_key",
    "hs_ed25519_public_key": "Tor hs_ed25519_public_key",
    "hostname": "Tor hostname",
    "id_ed25519.pub": "OpenSSH public key",
    "did.json": "DID document (public)",
    "address.txt": "Address",
}


def key_files(files: dict[str, str | bytes]) -> list[KeyFile]:
    """Every export of a key as downloadable files, private encodings first."""
    order = list(FILE_LABELS)
    names = sorted(files, key=lambda name: order.index(name) if name in order else len(order))
    return [KeyFile(name, FILE_LABELS.get(name, name), files[name]) for name in names]


@lru_cache(maxsize=256)
def _compiled(spec: PatternSpec) -> CompiledPattern | None:
    """The pull's pattern compiled for display (None if the engine no longer takes it)."""
    try:
        return compile_pattern(spec, check_speed=False)
    except PatternError:
        return None


class PullView:
    def __init__(self, pull: Pull) -> None:
        self.pull = pull

    def __getattr__(self, name: str):
        return getattr(self.pull, name)

    @property
    def finished(self) -> bool:
        return self.pull.status in (Pull.Status.DONE, Pull.Status.FAILED)

    @property
    def key_expires_at(self):
        """When the private key of a pull not kept is erased by the beat task."""
        return self.pull.created_at + timedelta(hours=settings.UNKEPT_KEY_TTL_HOURS)

    @property
    def percent(self) -> int:
        if not self.pull.budget:
            return 0
        return min(100, round(100 * self.pull.keys_tried / self.pull.budget))

    @property
    def stars(self) -> str:
        score = self.pull.score or 0
        return "★" * score + "☆" * (self.pull.n - score)

    @property
    def segments(self) -> list[Segment]:
        """The address split into plain and highlighted runs: the engine's matched windows
        (the jackpot's placement when there is one, else each found part's window)."""
        address, body = self.pull.address, self.pull.body
        offset = address.find(body) if body else -1
        marked = [False] * len(address)
        compiled = _compiled(PatternSpec.from_mapping(self.pull))
        if offset >= 0 and compiled is not None:
            for start, end in highlight_spans(compiled, body):
                for index in range(offset + start, offset + end):
                    marked[index] = True
        segments: list[Segment] = []
        for char, flag in zip(address, marked):
            if segments and segments[-1].highlighted == flag:
                segments[-1] = Segment(segments[-1].text + char, flag)
            else:
                segments.append(Segment(char, flag))
        return segments
