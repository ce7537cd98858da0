"""Odds for people: the engine's numbers as the text and JSON that PRODUCT.md §4/§9 show.

``estimate_json`` turns an ``OddsEstimate`` into the odds JSON of
``POST /api/patterns/estimate``, ``manage.py estimate --json`` and the /app partial.
"""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass

import numpy as np
from django.urls import reverse

from patterns.engine import GuaranteedOdds, KeysFigure, LevelOdds, OddsEstimate

NOT_OFFERED = {
    "regex": "guaranteed mode is not offered for regex patterns",
    "impossible": "this pattern can never be an exact match",
}


SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
HUGE = 1e15  # past this, digits stop meaning anything to a reader: 8.7 × 10³⁴
CERTAIN = 0.999  # a jackpot this likely in one pull is "certain in one pull", no celebration


def scientific(value: float) -> str:
    """``8.7 × 10³⁴``: a number too large to read as digits."""
    exponent = math.floor(math.log10(value))
    mantissa = value / 10**exponent
    if round(mantissa, 1) >= 10:
        mantissa, exponent = mantissa / 10, exponent + 1
    return f"{mantissa:.1f} × 10{str(exponent).translate(SUPERSCRIPT)}"


def format_one_in(p: float) -> str:
    """``1 in 4,234,567`` (``never`` for 0, ``1 in 8.7 × 10³⁴`` past a quadrillion)."""
    if p <= 0.0:
        return "never"
    odds = 1.0 / p
    if odds < 100:
        return f"1 in {odds:.3g}"
    if odds < HUGE:
        return f"1 in {round(odds):,}"
    return f"1 in {scientific(odds)}"


def format_dollars(dollars: float) -> str:
    """``$12.34``, ``$1,234,567``, or ``$8.7 × 10²⁸`` when the digits stop meaning anything."""
    if dollars >= HUGE:
        return f"${scientific(dollars)}"
    return f"${dollars:,.0f}" if dollars >= 1000 else f"${dollars:,.2f}"


def format_percent(p: float) -> str:
    """A percentage with 3 significant digits that never rounds to 0% or 100%."""
    if p <= 0.0 or p >= 1.0:
        return "0%" if p <= 0.0 else "100%"
    pct, rest = 100.0 * p, 100.0 * (1.0 - p)
    if rest < 0.1:
        return f"{100.0 - rest:.{math.ceil(-math.log10(rest)) + 1}f}%"
    if pct < 1e-6:
        return f"{pct:.3g}%"
    return np.format_float_positional(pct, precision=3, unique=False, fractional=False, trim="-") + "%"


def format_duration(seconds: float | None) -> str:
    if seconds is None or math.isinf(seconds):
        return "never"
    if seconds < 1:
        return "under a second"
    for unit, size in (("years", 365.25 * 86400), ("days", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            amount = seconds / size
            if amount >= 1e6:
                return f"{scientific(amount)} {unit}"
            return f"{amount:,.3g} {unit}" if amount < 1000 else f"{amount:,.0f} {unit}"
    return f"{seconds:.3g} s"


def estimate_json(odds: OddsEstimate) -> dict:
    """The odds JSON: the engine's figures with their "1 in …", percent and time texts."""
    spec = odds.spec
    if odds.sampling is None:
        method = {"method": "exact", "estimated": False}
    else:
        sampling = odds.sampling
        method = {
            "method": "sampled", "estimated": True, "samples": sampling.samples,
            "p_jackpot_interval": list(sampling.p_jackpot_interval),
            "p_score_interval": list(sampling.p_score_interval),
        }
    return {
        "pattern": spec.pattern, "format": odds.format, "mode": spec.mode,
        "anchor": spec.anchor, "fuzzy": spec.fuzzy, "case_insensitive": spec.case_insensitive,
        "parts": list(odds.parts), "n": odds.n, **method,
        "p_jackpot": odds.p_jackpot,
        "p_jackpot_one_in": format_one_in(odds.p_jackpot),
        "p_jackpot_percent": format_percent(odds.p_jackpot),
        "p_score_exactly": list(odds.p_score_exactly),
        "p_score_at_least": list(odds.p_score_at_least),
        "budget": odds.budget, "pull_cost_tokens": odds.pull_cost_tokens,
        "dollars_per_token": odds.dollars_per_token, "keys_per_second": odds.keys_per_second,
        "pull": {"budget": odds.pull.budget,
                 "p_jackpot": odds.pull.p_jackpot,
                 "p_score_at_least": list(odds.pull.p_score_at_least)},
        "levels": [_level_json(level, odds.n) for level in odds.levels],
        "guaranteed": _guaranteed_json(odds.guaranteed),
        "effectively_impossible": odds.p_jackpot < 1 / HUGE,
        "certain_in_one_pull": odds.pull.p_jackpot >= CERTAIN,
    }


def _level_json(level: LevelOdds, n: int) -> dict:
    return {
        "level": "jackpot" if level.jackpot else f"{level.score}/{n}", "score": level.score,
        "p_key": level.p_key, "key_one_in": format_one_in(level.p_key), "key_percent": format_percent(level.p_key),
        "p_pull": level.p_pull, "pull_one_in": format_one_in(level.p_pull),
        "pull_percent": format_percent(level.p_pull),
        "expected_pulls": level.expected_pulls,
        "expected_tokens": level.expected_tokens,
        "expected_dollars": level.expected_dollars,
        "expected_tokens_text": _count(level.expected_tokens),
        "expected_dollars_text": None if level.expected_dollars is None else format_dollars(level.expected_dollars),
    }


def _count(value: float | None) -> str | None:
    """``12,345`` or ``8.7 × 10³⁴`` for a count of tokens or keys."""
    if value is None:
        return None
    return scientific(value) if value >= HUGE else f"{value:,.0f}"


def _guaranteed_json(guaranteed: GuaranteedOdds) -> dict:
    if not guaranteed.offered:
        return {"offered": False, "reason": NOT_OFFERED[guaranteed.reason]}
    out: dict = {"offered": True}
    figures: dict[str, KeysFigure] = {"expected": guaranteed.expected, "median": guaranteed.median,
                                      "p99": guaranteed.p99}
    for name, figure in figures.items():
        out.update({
            f"{name}_keys": figure.keys, f"{name}_keys_text": _count(figure.keys),
            f"{name}_seconds": figure.seconds, f"{name}_time": format_duration(figure.seconds),
            f"{name}_tokens_at_pull_price": figure.tokens_at_pull_price,
            f"{name}_dollars_at_pull_price": figure.dollars_at_pull_price,
        })
    return out


# --- A found key as files: the reveal panel and downloads of pulls and jobs alike -------


@dataclass(frozen=True)
class KeyFile:
    filename: str
    label: str
    content: str | bytes
    url: str

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


def key_files(files: dict[str, str | bytes], *, download_view: str, public_id) -> list[KeyFile]:
    """Every export of a pull's or job's key as files to download from ``download_view``,
    private encodings first."""
    order = list(FILE_LABELS)
    names = sorted(files, key=lambda name: order.index(name) if name in order else len(order))
    return [KeyFile(name, FILE_LABELS.get(name, name), files[name], reverse(download_view, args=[public_id, name]))
            for name in names]
