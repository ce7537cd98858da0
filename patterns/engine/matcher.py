"""Scoring one body against a compiled pattern (PRODUCT.md §3).

``quick_rank`` is what the grinder calls for every key that passes its pre-check, so it
only runs the precompiled per-part regexes (and the jackpot regex when every part is
there); ``evaluate`` adds positions, missing parts and the bonus. In regex mode every
search is of the user's expression under its time limit (userregex.py) and may raise
``RegexTimeout``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .pattern import CompiledPattern

WORDS_FILE = Path(__file__).parent / "data" / "words.txt"
MIN_WORD, MAX_WORD = 4, 10
_RUN = re.compile(r"(.)\1{2,}", re.S)


@dataclass(frozen=True)
class MatchResult:
    """How a body matched: ``matches`` pairs each found part with its first position."""

    body: str
    score: int
    n: int
    jackpot: bool
    matches: tuple[tuple[str, int], ...]
    missing: tuple[str, ...]
    bonus: tuple[str, ...]

    @property
    def rank(self) -> tuple[int, int, int]:
        return (int(self.jackpot), self.score, len(self.bonus))


def quick_rank(compiled: CompiledPattern, body: str) -> tuple[int, int]:
    """(jackpot, score) without positions or bonus: the grinder's hot path."""
    score = 0
    for regex, indexes in compiled.distinct:
        if regex.search(body):
            score += len(indexes)
    jackpot = score == compiled.n and compiled.jackpot_regex.search(body) is not None
    return int(jackpot), score


def evaluate(compiled: CompiledPattern, body: str) -> MatchResult:
    """The full result of one body: score, jackpot, positions, missing and bonus."""
    first: dict[int, int] = {}
    for regex, indexes in compiled.distinct:
        found = regex.search(body)
        if found:
            first.update((i, found.start()) for i in indexes)
    parts = compiled.parts
    return MatchResult(
        body=body,
        score=len(first),
        n=compiled.n,
        jackpot=len(first) == compiled.n and compiled.jackpot_regex.search(body) is not None,
        matches=tuple((parts[i], first[i]) for i in sorted(first)),
        missing=tuple(p for i, p in enumerate(parts) if i not in first),
        bonus=bonus(compiled, body),
    )


def bonus(compiled: CompiledPattern, body: str) -> tuple[str, ...]:
    """Runs, straights, repeated parts and English words, as short labels."""
    return (
        tuple(f"run '{m.group()}'" for m in _RUN.finditer(body))
        + tuple(f"straight '{s}'" for s in straights(body))
        + _repeats(compiled, body)
        + tuple(f"word '{w}'" for w in english_words(body))
    )


def straights(body: str, minimum: int = 4) -> list[str]:
    """Maximal runs of 4+ consecutive characters up or down: "1234", "abcd", "DCBA"."""
    found, start = [], 0
    while start < len(body) - 1:
        step = _step(body[start], body[start + 1])
        end = start + 1
        while step and end + 1 < len(body) and _step(body[end], body[end + 1]) == step:
            end += 1
        if step and end - start + 1 >= minimum:
            found.append(body[start:end + 1])
        start = end
    return found


def _step(a: str, b: str) -> int:
    """+1 / -1 when b follows / precedes a within digits, lowercase or uppercase."""
    same_kind = (a.isdigit() and b.isdigit()) or (a.islower() and b.islower()) or (a.isupper() and b.isupper())
    diff = ord(b) - ord(a)
    return diff if same_kind and diff in (1, -1) else 0


def _repeats(compiled: CompiledPattern, body: str) -> tuple[str, ...]:
    out = []
    for regex, indexes in compiled.distinct:
        count = len(regex.findall(body))
        if count > 1:
            out.append(f"'{compiled.parts[indexes[0]]}' ×{count}")
    return tuple(out)


@lru_cache(maxsize=1)
def word_list() -> frozenset[str]:
    """The bundled word list (see data/README.md), loaded on first use."""
    return frozenset(WORDS_FILE.read_text(encoding="ascii").split())


def english_words(body: str) -> list[str]:
    """Words of the list found case-insensitively, leaving out those inside a longer one."""
    words, lower, spans = word_list(), body.lower(), []
    for start in range(len(lower) - MIN_WORD + 1):
        for length in range(min(MAX_WORD, len(lower) - start), MIN_WORD - 1, -1):
            if lower[start:start + length] in words:
                spans.append((start, start + length))
                break
    kept = [s for s in spans if not any(o != s and o[0] <= s[0] and s[1] <= o[1] for o in spans)]
    return list(dict.fromkeys(lower[a:b] for a, b in kept))


def highlight_spans(compiled: CompiledPattern, body: str) -> tuple[tuple[int, int], ...]:
    """The matched windows, merged and sorted: the jackpot's placement when there is
    one (each part's group; the whole match of a regex, whose groups are the user's),
    else each found part's first window."""
    jackpot = compiled.jackpot_regex.search(body)
    if jackpot and compiled.regex is not None:
        spans = [jackpot.span()]
    elif jackpot:
        spans = [jackpot.span(g) for g in range(1, compiled.n + 1)]
    else:
        spans = [m.span() for m in (r.search(body) for r, _ in compiled.distinct) if m]
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return tuple(merged)
