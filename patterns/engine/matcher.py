"""Scoring one body against a compiled pattern (PRODUCT.md §3).

``quick_rank`` is what the grinder calls for every key that passes its pre-check, so it
only runs the precompiled per-part regexes (and the jackpot regex when every part is
there); ``evaluate`` adds positions, missing parts and the bonus. In regex mode every
search is of the user's expression under its time limit (userregex.py) and may raise
``RegexTimeout``.

``display`` is for people, not for the score: where a part occurs several times it picks
the most literal occurrence (fewest case or lookalike substitutions; for a jackpot, the
most literal placement of all the parts in order) and says why each substituted character
counted. ``evaluate``'s positions (the first occurrence) are unchanged by it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .pattern import FUZZY_GROUPS, CompiledPattern

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
    """The bundled list of common words (see data/README.md), loaded on first use; lines
    starting with ``#`` are its header."""
    lines = WORDS_FILE.read_text(encoding="ascii").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


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
    return _merge(spans)


# --- Display: the most literal occurrence of each part, and why lookalikes counted ------

_GROUP_OF = {c: group for group in FUZZY_GROUPS for c in group}


@dataclass(frozen=True)
class Lookalike:
    """One character of a shown window that is not the pattern's own: ``char`` in the body
    stood for ``wanted`` in the part; ``why`` says how, in words."""

    char: str
    wanted: str
    kind: str  # "case" (the other case) or "lookalike" (a fuzzy group, maybe with case)
    why: str


@dataclass(frozen=True)
class Window:
    """Where a part is shown: ``body[start:end] == text``, with its substitutions."""

    part: str
    start: int
    end: int
    text: str
    lookalikes: tuple[Lookalike, ...]

    @property
    def literal(self) -> bool:
        return not self.lookalikes

    @property
    def note(self) -> str:
        """"'Qo' counted as 'GO': Q is a lookalike of G (…); o is O in lowercase (…)."."""
        reasons = "; ".join(dict.fromkeys(sub.why for sub in self.lookalikes))
        return f"'{self.text}' counted as '{self.part}': {reasons}."


@dataclass(frozen=True)
class Display:
    """What a result shows: highlighted ``spans`` (merged, sorted) and, in words mode, the
    ``windows`` of the found parts in the order of the parts."""

    spans: tuple[tuple[int, int], ...]
    windows: tuple[Window, ...]

    @property
    def notes(self) -> tuple[str, ...]:
        """One line per shown window that needed a case or lookalike substitution."""
        return tuple(dict.fromkeys(w.note for w in self.windows if w.lookalikes))

    @property
    def lookalikes(self) -> tuple[Lookalike, ...]:
        return tuple(dict.fromkeys(sub for w in self.windows for sub in w.lookalikes))


def _group_words(chars: str) -> str:
    groups = dict.fromkeys(_GROUP_OF[c] for c in chars if c in _GROUP_OF)
    names = [" ".join(group) for group in groups]
    return (f"fuzzy group {names[0]}" if len(names) == 1 else "fuzzy groups " + " and ".join(names)) if names else "fuzzy"


def _case_word(char: str) -> str:
    return "lowercase" if char.islower() else "uppercase"


def explain(char: str, wanted: str, *, fuzzy: bool, case_insensitive: bool) -> Lookalike:
    """Why ``char`` matched the pattern character ``wanted`` (§2's classes)."""
    in_group = fuzzy and char in _GROUP_OF.get(wanted, "")
    if case_insensitive and char == wanted.swapcase() and char != wanted:
        return Lookalike(char, wanted, "case", f"{char} is {wanted} in {_case_word(char)} (case-insensitive)")
    if in_group:
        return Lookalike(char, wanted, "lookalike", f"{char} is a lookalike of {wanted} ({_group_words(wanted)})")
    groups = _group_words(wanted + wanted.swapcase() + char + char.swapcase())
    return Lookalike(char, wanted, "lookalike", f"{char} is a lookalike of {wanted} ({groups}, with case-insensitive)")


def _occurrences(compiled: CompiledPattern, index: int, body: str) -> list[tuple[tuple[int, int], int]]:
    """Every window of part ``index`` in ``body`` (overlapping ones too), with its cost:
    (substitutions, of which lookalikes), as ((cost), start)."""
    part, classes = compiled.parts[index], compiled.classes[index]
    width, found = len(classes), []
    for start in range(len(body) - width + 1):
        window = body[start:start + width]
        if all(ch in cls for ch, cls in zip(window, classes)):
            subs = [(ch, want) for ch, want in zip(window, part) if ch != want]
            lookalikes = sum(1 for ch, want in subs if ch != want.swapcase() or not compiled.spec.case_insensitive)
            found.append(((len(subs), lookalikes), start))
    return found


def _placement(compiled: CompiledPattern, body: str, options: list) -> list[int] | None:
    """The most literal jackpot placement: one start per part, in order, not overlapping,
    respecting the anchor, of the least total cost (then the earliest)."""
    n, widths = compiled.n, [len(c) for c in compiled.classes]
    anchor = compiled.anchor
    # best[i][start] = (cost, starts) for parts i.. with part i at start
    best: list[dict[int, tuple[tuple[int, int], list[int]]]] = [dict() for _ in range(n)]
    for i in range(n - 1, -1, -1):
        for cost, start in options[i]:
            if i == 0 and anchor == "prefix" and start != 0:
                continue
            if i == n - 1:
                if anchor == "suffix" and start + widths[i] != len(body):
                    continue
                best[i][start] = (cost, [start])
                continue
            tails = [(c, s) for nxt, (c, s) in best[i + 1].items() if nxt >= start + widths[i]]
            if not tails:
                continue
            tail_cost, tail = min(tails, key=lambda t: (t[0], t[1]))
            best[i][start] = ((cost[0] + tail_cost[0], cost[1] + tail_cost[1]), [start, *tail])
    if not best[0]:
        return None
    return min(best[0].values(), key=lambda t: (t[0], t[1]))[1]


def display(compiled: CompiledPattern, body: str) -> Display:
    """The windows a result highlights: for a jackpot the most literal placement of the
    parts in order, else each found part's most literal occurrence; regex mode shows the
    match (as ``highlight_spans``) and has no windows."""
    if compiled.regex is not None:
        return Display(highlight_spans(compiled, body), ())
    options = [sorted(_occurrences(compiled, i, body)) for i in range(compiled.n)]
    starts: list[int | None] | None = None
    if all(options) and compiled.jackpot_regex.search(body):
        starts = _placement(compiled, body, options)
    if starts is None:
        starts = [opts[0][1] if opts else None for opts in options]
    spec = compiled.spec
    windows = []
    for part, start in zip(compiled.parts, starts):
        if start is None:
            continue
        text = body[start:start + len(part)]
        subs = tuple(explain(ch, want, fuzzy=spec.fuzzy, case_insensitive=spec.case_insensitive)
                     for ch, want in zip(text, part) if ch != want)
        windows.append(Window(part, start, start + len(part), text, subs))
    return Display(_merge((w.start, w.end) for w in windows), tuple(windows))


def _merge(spans) -> tuple[tuple[int, int], ...]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return tuple(merged)
