"""Patterns (PRODUCT.md §2): parse, validate, compile to character classes and regexes.

Validation names every problem before a token is spent; ``compile_pattern`` raises
``PatternError`` carrying all of them. Issue codes are stable snake_case strings:
``unknown_format``, ``unknown_anchor``, ``unknown_mode``, ``empty_pattern``,
``bad_character``, ``too_many_parts``, ``part_too_long``, ``empty_class``,
``too_long_for_body``, ``impossible``, ``bad_regex``, ``regex_too_large`` and ``too_slow``.

In regex mode the user's expression is compiled by ``userregex`` (the ``regex`` package,
every search under a time limit), wrapped in a non-capturing group so that its own
group numbers keep their meaning, and validation compiles exactly the expressions the
compiled pattern will search, then times them on real and adversarial bodies.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import asdict, dataclass, fields
from functools import lru_cache

from nacl.bindings import crypto_sign_seed_keypair

from . import userregex
from .automata import jackpot_probability
from .distribution import BodyModel, body_model
from .formats import Format, UnknownFormat, get_format
from .userregex import UserRegex

MAX_PARTS = 8
MAX_PART_LENGTH = 16
ANCHORS = ("anywhere", "prefix", "suffix")
MODES = ("words", "regex")
FUZZY_GROUPS = ("O0o", "I1li", "Z2z", "E3", "A4", "S5s", "G6", "T7", "B8", "g9q")
_FUZZY = {c: frozenset(group) for group in FUZZY_GROUPS for c in group}
# Whitespace separates parts; every other control, format, surrogate, private-use or
# unassigned character is refused.
_ALLOWED_SPACE = frozenset(" \t\r\n")
_BAD_CATEGORIES = {"Cc": "control character", "Cf": "invisible formatting character", "Cs": "surrogate",
                   "Co": "private-use character", "Cn": "unassigned character"}

# Validation times a regex on PROBE_BODIES real bodies of the format, then on runs of
# each alphabet character; one search may take PROBE_TIMEOUT seconds, a search of a real
# body MAX_MEAN_SEARCH seconds on average (so that sampling the odds stays bounded), and
# the runs ADVERSARIAL_BUDGET seconds together.
PROBE_BODIES = 32
PROBE_TIMEOUT = 0.05
MAX_MEAN_SEARCH = 0.0005
ADVERSARIAL_BUDGET = 0.25

Searcher = re.Pattern | UserRegex

# How each format is named in messages, and what its alphabet lacks.
_LABELS = {
    "did:key": ("a did:key", "base58 has no 0, O, I, l"),
    "solana": ("a solana address", "base58 has no 0, O, I, l"),
    "ssh": ("an ssh key", "base64 has only A–Z, a–z, 0–9, + and /"),
    "ssh-fp": ("an ssh-fp fingerprint", "base64 has only A–Z, a–z, 0–9, + and /"),
    "onion": ("an onion address", "base32 has only a–z and 2–7"),
}


@dataclass(frozen=True)
class PatternSpec:
    """A pattern object of PRODUCT.md §9."""

    pattern: str
    format: str = "did:key"
    case_insensitive: bool = False
    fuzzy: bool = False
    anchor: str = "anywhere"
    mode: str = "words"

    @classmethod
    def from_mapping(cls, values) -> PatternSpec:
        """A spec from any mapping or object holding these fields (a form, a row, a schema)."""
        get = values.get if hasattr(values, "get") else lambda name, default: getattr(values, name, default)
        return cls(**{field.name: get(field.name, field.default) for field in fields(cls)})


@dataclass(frozen=True)
class PatternIssue:
    """One validation problem; ``message`` is a single line for a human."""

    code: str
    message: str
    part: str | None = None
    char: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


class PatternError(ValueError):
    """A pattern that cannot be compiled; ``issues`` lists every problem found."""

    def __init__(self, issues: list[PatternIssue]) -> None:
        super().__init__(issues[0].message)
        self.issues = tuple(issues)


@dataclass(frozen=True)
class CompiledPattern:
    """A validated pattern, ready for the matcher and the odds.

    In regex mode ``parts`` is the one expression, ``classes`` is empty, ``regex`` is
    the user's expression (a time-limited ``UserRegex``, as are all the other regexes
    then) and ``jackpot_regex`` is it anchored, without groups of its own. In words mode
    ``distinct`` pairs the regex of each distinct part with the indexes of the parts it
    stands for, and ``jackpot_regex`` has one group per part.
    """

    spec: PatternSpec
    format: Format
    parts: tuple[str, ...]
    classes: tuple[tuple[frozenset[str], ...], ...]
    any_part_regex: Searcher
    part_regexes: tuple[Searcher, ...]
    distinct: tuple[tuple[Searcher, tuple[int, ...]], ...]
    jackpot_regex: Searcher
    regex: UserRegex | None = None

    @property
    def n(self) -> int:
        return len(self.parts)

    @property
    def anchor(self) -> str:
        return self.spec.anchor


def char_class(char: str, alphabet: str, fuzzy: bool, case_insensitive: bool) -> frozenset[str]:
    """The characters of ``alphabet`` that a pattern character matches (§2)."""
    members = set(_base(char, fuzzy))
    if case_insensitive:
        members |= _base(_other_case(char), fuzzy)
        members |= {_other_case(m) for m in members}
    return frozenset(members) & frozenset(alphabet)


def _base(char: str, fuzzy: bool) -> frozenset[str]:
    return _FUZZY.get(char, frozenset(char)) if fuzzy else frozenset(char)


def _other_case(char: str) -> str:
    other = char.swapcase()
    return other if len(other) == 1 else char


def split_parts(pattern: str) -> list[str]:
    return pattern.split()


def validate(spec: PatternSpec, *, check_speed: bool = True) -> list[PatternIssue]:
    """Every problem with ``spec``, most basic first; empty when it can be compiled.

    ``check_speed=False`` skips timing a regex: for a pattern already accepted, whose
    verdict must not change with the load of the machine that grinds it (its searches
    still time out one by one)."""
    issues = _option_issues(spec)
    if issues:
        return issues
    fmt = get_format(spec.format)
    if spec.mode == "regex":
        return _regex_issues(spec, fmt, check_speed)
    issues = _part_issues(spec, fmt)
    return issues or _impossible_issues(spec, fmt)


def _option_issues(spec: PatternSpec) -> list[PatternIssue]:
    issues = []
    try:
        get_format(spec.format)
    except UnknownFormat as exc:
        issues.append(PatternIssue("unknown_format", str(exc)))
    if spec.anchor not in ANCHORS:
        issues.append(PatternIssue("unknown_anchor", f"unknown anchor {spec.anchor!r}; choose one of {', '.join(ANCHORS)}"))
    if spec.mode not in MODES:
        issues.append(PatternIssue("unknown_mode", f"unknown mode {spec.mode!r}; choose one of {', '.join(MODES)}"))
    if not isinstance(spec.pattern, str) or not spec.pattern.strip():
        issues.append(PatternIssue("empty_pattern", "the pattern is empty; type at least one part"))
    else:
        issues.extend(_character_issues(spec.pattern))
    return issues


def _character_issues(pattern: str) -> list[PatternIssue]:
    """NUL and other control (or invisible, unassigned) characters, each named once."""
    issues = []
    for char in dict.fromkeys(pattern):
        kind = _BAD_CATEGORIES.get(unicodedata.category(char))
        if kind and char not in _ALLOWED_SPACE:
            name = unicodedata.name(char, "")
            message = f"the pattern contains the {kind} U+{ord(char):04X}{f' ({name})' if name else ''}; remove it"
            issues.append(PatternIssue("bad_character", message, char=char))
    return issues


def _regex_issues(spec: PatternSpec, fmt: Format, check_speed: bool = True) -> list[PatternIssue]:
    """A regex that cannot be compiled safely, does not compile (exactly as the compiled
    pattern will search it), or is too slow to search."""
    if userregex.uses_verbose(spec.pattern):
        return [PatternIssue("bad_regex", "the verbose flag (?x) is not supported; "
                                          "write the expression without spaces and comments")]
    if userregex.expansion_bound(spec.pattern) > userregex.MAX_EXPANSION:
        label, length = _LABELS[fmt.name][0], fmt.body_length
        return [PatternIssue("regex_too_large", f"the regular expression repeats too much to compile; {label} "
                                                f"body has only {length} characters, so keep counts like {{3}} small")]
    try:
        expressions = _user_regexes(spec.pattern, spec.anchor)
    except userregex.error as exc:
        where = f" at position {exc.pos}" if exc.pos is not None else ""
        return [PatternIssue("bad_regex", f"the regular expression does not compile: {exc.msg}{where}")]
    if check_speed and _too_slow(tuple(dict.fromkeys(expressions)), fmt):
        return [PatternIssue("too_slow", userregex.TOO_SLOW_MESSAGE)]
    return []


def _too_slow(expressions: tuple[UserRegex, ...], fmt: Format) -> bool:
    """Timed on real and adversarial bodies, twice before a verdict of too slow, so that
    one pause of the process (a garbage collection, a busy machine) is not held against it."""
    bodies = probe_bodies(fmt.name)
    mean_budget = MAX_MEAN_SEARCH * len(bodies) * len(expressions)
    return all(
        userregex.too_slow(expressions, bodies, PROBE_TIMEOUT, mean_budget)
        or userregex.too_slow(expressions, adversarial_bodies(fmt), PROBE_TIMEOUT, ADVERSARIAL_BUDGET)
        for _ in range(2)
    )


@lru_cache(maxsize=8)
def probe_bodies(format_name: str) -> tuple[str, ...]:
    """Bodies of PROBE_BODIES real keys from fixed seeds, so that a verdict is repeatable."""
    fmt = get_format(format_name)
    seeds = (hashlib.sha256(b"vanikeys regex probe %d" % i).digest() for i in range(PROBE_BODIES))
    block = b"".join(fmt.slot_prefix + crypto_sign_seed_keypair(seed)[0] for seed in seeds)
    return tuple(fmt.batch_bodies(block, PROBE_BODIES).split("\n"))


def adversarial_bodies(fmt: Format) -> list[str]:
    """Strings of body length that make backtracking blow up: each alphabet character
    repeated, alone and followed by one other character."""
    length, alphabet = fmt.body_length, fmt.alphabet
    texts = []
    for char in alphabet:
        other = alphabet[1] if char == alphabet[0] else alphabet[0]
        texts += [char * length, char * (length - 1) + other]
    return texts


def _part_issues(spec: PatternSpec, fmt: Format) -> list[PatternIssue]:
    parts = split_parts(spec.pattern)
    issues = []
    if len(parts) > MAX_PARTS:
        issues.append(PatternIssue("too_many_parts", f"the pattern has {len(parts)} parts; at most {MAX_PARTS} are allowed"))
    for part in parts:
        if len(part) > MAX_PART_LENGTH:
            issues.append(PatternIssue("part_too_long", f"'{part}' is {len(part)} characters long; a part may have at most {MAX_PART_LENGTH}", part))
        issues.extend(_class_issues(spec, fmt, part))
    total = sum(map(len, parts))
    if total > fmt.body_length:
        issues.append(PatternIssue("too_long_for_body", f"the parts have {total} characters together but {_LABELS[fmt.name][0]} body has only {fmt.body_length}"))
    return issues


def _class_issues(spec: PatternSpec, fmt: Format, part: str) -> list[PatternIssue]:
    issues = []
    for char in dict.fromkeys(part):
        if not char_class(char, fmt.alphabet, spec.fuzzy, spec.case_insensitive):
            label, lacks = _LABELS[fmt.name]
            message = f"'{char}' never appears in {label} ({lacks}); {_fix(spec, fmt, char)}"
            issues.append(PatternIssue("empty_class", message, part, char))
    return issues


def _fix(spec: PatternSpec, fmt: Format, char: str) -> str:
    """The option (or options) that would make ``char`` match something, preferring one
    that reaches the character's other case."""
    fixes = []
    for fuzzy, case, words in ((True, spec.case_insensitive, "fuzzy"),
                               (spec.fuzzy, True, "case-insensitive"),
                               (True, True, "fuzzy and case-insensitive")):
        members = char_class(char, fmt.alphabet, fuzzy, case)
        if members and (fuzzy, case) != (spec.fuzzy, spec.case_insensitive):
            fixes.append((_other_case(char) not in members, len(fixes), words, members))
    if not fixes:
        return "no option makes it match; remove it"
    _, _, words, members = min(fixes)
    return f"turn on {words} to match {_or_list(members)}"


def _or_list(chars: frozenset[str]) -> str:
    return " or ".join(f"'{c}'" for c in sorted(chars))


def part_classes(spec: PatternSpec, fmt: Format) -> tuple[tuple[frozenset[str], ...], ...]:
    return tuple(
        tuple(char_class(c, fmt.alphabet, spec.fuzzy, spec.case_insensitive) for c in part)
        for part in split_parts(spec.pattern)
    )


def _impossible_issues(spec: PatternSpec, fmt: Format) -> list[PatternIssue]:
    """A jackpot of probability 0: name the position that rules it out, if one does."""
    model = body_model(fmt.name)
    classes = part_classes(spec, fmt)
    parts = split_parts(spec.pattern)
    issues = _anchored_position_issues(spec, fmt, model, parts, classes)
    if issues or jackpot_probability(model, list(classes), spec.anchor) > 0:
        return issues
    label = _LABELS[fmt.name][0]
    return [PatternIssue("impossible", f"this pattern can never be an exact match in {label}: its body cannot hold these characters in these places")]


def _anchored_position_issues(spec: PatternSpec, fmt: Format, model: BodyModel,
                              parts: list[str], classes: tuple) -> list[PatternIssue]:
    label = _LABELS[fmt.name][0]
    if spec.anchor == "prefix":
        for j, (char, cls) in enumerate(zip(parts[0], classes[0])):
            if not cls & model.support[j]:
                where = "starts with" if j == 0 else f"has at position {j + 1}"
                allowed = _describe(model.support[j], fmt.alphabet)
                return [PatternIssue("impossible", f"{label} body never {where} '{char}' (only {allowed})", parts[0], char)]
    if spec.anchor == "suffix":
        part = parts[-1]
        for i, (char, cls) in enumerate(zip(reversed(part), reversed(classes[-1]))):
            if not cls & model.end_support[i]:
                where = "ends with" if i == 0 else f"has {i + 1} characters from its end"
                allowed = _describe(model.end_support[i], fmt.alphabet)
                return [PatternIssue("impossible", f"{label} body never {where} '{char}' (only {allowed})", part, char)]
    return []


def _describe(chars: frozenset[str], alphabet: str) -> str:
    """Characters as runs of the alphabet's order: "e–w", "'a', 'i', 'q' or 'y'"."""
    runs: list[list[str]] = []
    for char in alphabet:
        if char not in chars:
            continue
        if runs and alphabet.index(runs[-1][-1]) + 1 == alphabet.index(char):
            runs[-1].append(char)
        else:
            runs.append([char])
    pieces = [f"{r[0]}–{r[-1]}" if len(r) > 2 else ", ".join(f"'{c}'" for c in r) for r in runs]
    return ", ".join(pieces)


def compile_pattern(spec: PatternSpec, *, check_speed: bool = True) -> CompiledPattern:
    """Validate and compile; raises PatternError naming every problem (see ``validate``)."""
    issues = validate(spec, check_speed=check_speed)
    if issues:
        raise PatternError(issues)
    return _compile(spec)


@lru_cache(maxsize=256)
def _compile(spec: PatternSpec) -> CompiledPattern:
    fmt = get_format(spec.format)
    if spec.mode == "regex":
        return _compile_regex(spec, fmt)
    parts = tuple(split_parts(spec.pattern))
    classes = part_classes(spec, fmt)
    sources = [_part_source(cls) for cls in classes]
    distinct = {src: tuple(i for i, s in enumerate(sources) if s == src) for src in sources}
    return CompiledPattern(
        spec, fmt, parts, classes,
        any_part_regex=re.compile("|".join(distinct)),
        part_regexes=tuple(re.compile(s) for s in sources),
        distinct=tuple((re.compile(s), idx) for s, idx in distinct.items()),
        jackpot_regex=re.compile(_anchored(".*?".join(f"({s})" for s in sources), spec.anchor), re.S),
    )


def _compile_regex(spec: PatternSpec, fmt: Format) -> CompiledPattern:
    regex, jackpot = _user_regexes(spec.pattern, spec.anchor)
    return CompiledPattern(
        spec, fmt, (spec.pattern,), (),
        any_part_regex=regex, part_regexes=(regex,), distinct=((regex, (0,)),),
        jackpot_regex=jackpot, regex=regex,
    )


@lru_cache(maxsize=256)
def _user_regexes(pattern: str, anchor: str) -> tuple[UserRegex, UserRegex]:
    """(the expression searched for a hit, the one searched for a jackpot).

    The bare pattern is compiled first, so that an unbalanced one is refused before it
    is wrapped. The wrapper group does not capture (group numbers keep their meaning),
    and inline flags anywhere in the pattern apply to all of it, as ``regex`` reads them.
    Only for a pattern that passed the size checks of ``_regex_issues``.
    """
    UserRegex(pattern)
    body = f"(?:{pattern})"
    regex = UserRegex(body)
    return regex, (regex if anchor == "anywhere" else UserRegex(_anchored(body, anchor)))


def _part_source(classes: tuple[frozenset[str], ...]) -> str:
    return "".join(
        re.escape(next(iter(cls))) if len(cls) == 1 else "[" + "".join(re.escape(c) for c in sorted(cls)) + "]"
        for cls in classes
    )


def _anchored(source: str, anchor: str) -> str:
    return {"prefix": rf"\A(?:{source})", "suffix": rf"(?:{source})\Z"}.get(anchor, source)
