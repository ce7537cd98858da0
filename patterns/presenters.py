"""Odds for people: the engine's numbers as the text and JSON that PRODUCT.md §4/§9 show.

``estimate_json`` turns an ``OddsEstimate`` into the odds JSON of
``POST /api/patterns/estimate``, ``manage.py estimate --json`` and the /app partial.
"""

from __future__ import annotations

import math

import numpy as np

from patterns.engine import GuaranteedOdds, KeysFigure, LevelOdds, OddsEstimate

NOT_OFFERED = {
    "regex": "guaranteed mode is not offered for regex patterns",
    "impossible": "this pattern can never be an exact match",
}


def format_one_in(p: float) -> str:
    """``1 in 4,234,567`` (``never`` for 0)."""
    if p <= 0.0:
        return "never"
    odds = 1.0 / p
    if odds < 100:
        return f"1 in {odds:.3g}"
    if odds < 1e15:
        return f"1 in {round(odds):,}"
    return f"1 in {odds:.3g}".replace("e+", "e")


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
    for unit, size in (("years", 365.25 * 86400), ("days", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:,.3g} {unit}" if seconds / size < 1000 else f"{seconds / size:,.0f} {unit}"
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
    }


def _guaranteed_json(guaranteed: GuaranteedOdds) -> dict:
    if not guaranteed.offered:
        return {"offered": False, "reason": NOT_OFFERED[guaranteed.reason]}
    out: dict = {"offered": True}
    figures: dict[str, KeysFigure] = {"expected": guaranteed.expected, "median": guaranteed.median,
                                      "p99": guaranteed.p99}
    for name, figure in figures.items():
        out.update({
            f"{name}_keys": figure.keys, f"{name}_keys_text": f"{figure.keys:,.0f}",
            f"{name}_seconds": figure.seconds, f"{name}_time": format_duration(figure.seconds),
            f"{name}_tokens_at_pull_price": figure.tokens_at_pull_price,
            f"{name}_dollars_at_pull_price": figure.dollars_at_pull_price,
        })
    return out
