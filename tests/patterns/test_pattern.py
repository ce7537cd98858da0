"""Pattern validation (PRODUCT.md §2) and compilation."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from patterns.engine import (
    ANCHORS,
    FORMATS,
    FUZZY_GROUPS,
    CompiledPattern,
    PatternError,
    PatternIssue,
    PatternSpec,
    compile_pattern,
    validate,
)
from patterns.engine.formats import BASE32_ALPHABET, BASE58_ALPHABET
from patterns.engine.pattern import char_class, probe_bodies


def codes(spec: PatternSpec) -> list[str]:
    return [issue.code for issue in validate(spec)]


def only_issue(spec: PatternSpec) -> PatternIssue:
    issues = validate(spec)
    assert len(issues) == 1, issues
    return issues[0]


def test_valid_patterns_have_no_issues() -> None:
    assert validate(PatternSpec("GO BE AWE SOME", fuzzy=True)) == []
    assert validate(PatternSpec("abcqd", format="onion", anchor="suffix", mode="words")) == []


def test_empty_class_names_char_format_and_fix() -> None:
    issue = only_issue(PatternSpec("GO"))
    assert issue.code == "empty_class" and issue.char == "O" and issue.part == "GO"
    assert issue.message == "'O' never appears in a did:key (base58 has no 0, O, I, l); turn on fuzzy to match 'o'"


def test_empty_class_fixed_by_case_insensitive() -> None:
    issue = only_issue(PatternSpec("A", format="onion"))
    assert issue.message.endswith("turn on case-insensitive to match 'a'")
    assert "an onion address" in issue.message


def test_empty_class_fixed_only_by_both_options() -> None:
    issue = only_issue(PatternSpec("8", format="onion"))
    assert issue.message.endswith("turn on fuzzy and case-insensitive to match 'b'")


def test_empty_class_without_fix() -> None:
    issue = only_issue(PatternSpec("a+b", fuzzy=True, case_insensitive=True))
    assert issue.code == "empty_class" and issue.char == "+"
    assert issue.message.endswith("no option makes it match; remove it")


def test_too_many_parts() -> None:
    issue = only_issue(PatternSpec("a b c d e f g h i"))
    assert issue.code == "too_many_parts" and "9 parts" in issue.message and "8" in issue.message


def test_part_too_long() -> None:
    issue = only_issue(PatternSpec("a" * 17))
    assert issue.code == "part_too_long" and issue.part == "a" * 17 and "16" in issue.message


def test_parts_longer_than_body() -> None:
    issue = only_issue(PatternSpec(" ".join(["abcdefghijk"] * 5), format="did:key"))
    assert issue.code == "too_long_for_body" and "55" in issue.message and "44" in issue.message


def test_whitespace_runs_split_parts() -> None:
    assert compile_pattern(PatternSpec("  ab \t\n cd  ")).parts == ("ab", "cd")


@pytest.mark.parametrize("pattern", ["", "   ", "\t\n"])
def test_empty_pattern(pattern: str) -> None:
    assert codes(PatternSpec(pattern)) == ["empty_pattern"]


@pytest.mark.parametrize(("spec", "code"), [
    (PatternSpec("ab", format="bitcoin"), "unknown_format"),
    (PatternSpec("ab", anchor="middle"), "unknown_anchor"),
    (PatternSpec("ab", mode="glob"), "unknown_mode"),
])
def test_unknown_options(spec: PatternSpec, code: str) -> None:
    assert codes(spec) == [code]


@pytest.mark.parametrize(("spec", "words"), [
    (PatternSpec("zz", format="onion", anchor="suffix"), ["never ends with 'z'", "only 'd'"]),
    (PatternSpec("b", format="onion", anchor="suffix"), ["'d'"]),
    (PatternSpec("xd", format="onion", anchor="suffix"), ["2 characters from its end", "'a', 'i', 'q', 'y'"]),
    (PatternSpec("zz", format="ssh", anchor="prefix"), ["never starts with 'z'", "A–P"]),
    (PatternSpec("ab", format="did:key", anchor="prefix"), ["never starts with 'a'", "e–w"]),
    (PatternSpec("b", format="ssh-fp", anchor="suffix"), ["never ends with 'b'"]),
])
def test_impossible_anchored_patterns(spec: PatternSpec, words: list[str]) -> None:
    issue = only_issue(spec)
    assert issue.code == "impossible"
    for word in words:
        assert word in issue.message


def test_impossible_found_by_exact_odds() -> None:
    """No single position rules it out, but the joint leading digits do."""
    issue = only_issue(PatternSpec("e1", format="did:key", anchor="prefix"))
    assert issue.code == "impossible" and "never be an exact match" in issue.message


def test_bad_regex() -> None:
    issue = only_issue(PatternSpec("ab(", mode="regex"))
    assert issue.code == "bad_regex" and "does not compile" in issue.message


def test_regex_mode_compiles_one_expression() -> None:
    compiled = compile_pattern(PatternSpec("a.c", mode="regex"))
    assert compiled.parts == ("a.c",) and compiled.n == 1 and compiled.regex is not None


def test_compile_raises_with_every_issue() -> None:
    with pytest.raises(PatternError) as info:
        compile_pattern(PatternSpec("GO " + "x" * 17))
    assert [i.code for i in info.value.issues] == ["empty_class", "part_too_long"]
    assert str(info.value) == info.value.issues[0].message
    assert isinstance(info.value, ValueError)


def test_issue_as_dict() -> None:
    issue = only_issue(PatternSpec("GO"))
    assert issue.as_dict() == {"code": "empty_class", "message": issue.message, "part": "GO", "char": "O"}


def test_compiled_pattern_exposes_classes_and_regexes() -> None:
    compiled = compile_pattern(PatternSpec("GO ab", fuzzy=True))
    assert isinstance(compiled, CompiledPattern)
    assert compiled.n == 2 and compiled.format.name == "did:key"
    assert compiled.classes[0] == (frozenset("G6"), frozenset("o"))
    assert compiled.any_part_regex.search("xxabxx") and compiled.any_part_regex.search("Go")
    assert not compiled.any_part_regex.search("xxaxbx")


# --- character classes ---------------------------------------------------------------

ALL = "".join(sorted(set(BASE58_ALPHABET) | set(BASE32_ALPHABET) | set("0OIl+/")))
alphabets = st.sampled_from([f.alphabet for f in FORMATS.values()])


def test_fuzzy_groups_are_exactly_the_spec() -> None:
    assert FUZZY_GROUPS == ("O0o", "I1li", "Z2z", "E3", "A4", "S5s", "G6", "T7", "B8", "g9q")


@given(st.sampled_from(ALL), alphabets)
def test_plain_class_is_the_char_itself(char: str, alphabet: str) -> None:
    assert char_class(char, alphabet, False, False) == frozenset(char) & frozenset(alphabet)


@given(st.sampled_from(ALL), alphabets, st.booleans(), st.booleans())
def test_class_is_within_alphabet_and_holds_the_char(char: str, alphabet: str, fuzzy: bool, case: bool) -> None:
    cls = char_class(char, alphabet, fuzzy, case)
    assert cls <= set(alphabet)
    assert (char in cls) == (char in alphabet)


@given(st.sampled_from([g for group in FUZZY_GROUPS for g in group]), alphabets)
def test_fuzzy_class_is_the_group(char: str, alphabet: str) -> None:
    group = next(g for g in FUZZY_GROUPS if char in g)
    assert char_class(char, alphabet, True, False) == frozenset(group) & frozenset(alphabet)


@given(st.sampled_from([c for c in ALL if c.isalpha()]), alphabets, st.booleans())
def test_case_insensitive_merges_both_cases(char: str, alphabet: str, fuzzy: bool) -> None:
    assert char_class(char, alphabet, fuzzy, True) == char_class(char.swapcase(), alphabet, fuzzy, True)


def test_case_insensitive_fuzzy_g_shares_one_class() -> None:
    assert char_class("g", BASE58_ALPHABET, True, True) == frozenset("g9qG6Q")
    assert char_class("G", BASE58_ALPHABET, True, True) == frozenset("g9qG6Q")
    assert char_class("O", BASE58_ALPHABET, True, False) == frozenset("o")
    assert char_class("i", BASE58_ALPHABET, True, True) == frozenset("1iL")


# Regex mode: user expressions are compiled safely, searched under a time limit, and
# every expression validate() accepts compiles (never a 500).

SLOW_ON_REAL_BODIES = r"(\w|[a-z])+\W"  # backtracks on every real body
SLOW_ON_RUNS = r"(a|a)+b"  # backtracks on "aaaa…", fast on real bodies


@pytest.mark.parametrize("pattern", [SLOW_ON_REAL_BODIES, SLOW_ON_RUNS])
@pytest.mark.parametrize("anchor", ANCHORS)
def test_a_regex_that_backtracks_catastrophically_is_too_slow(pattern: str, anchor: str) -> None:
    issue = only_issue(PatternSpec(pattern, mode="regex", anchor=anchor))
    assert issue.code == "too_slow"
    assert "too slow to search (catastrophic backtracking)" in issue.message and "(a+)+" in issue.message


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_the_reported_redos_regex_is_answered_not_hung(fmt: str) -> None:
    # `regex` searches this one in linear time; the point is that validate() returns
    assert set(codes(PatternSpec(r"(\w+\w+)+!", fmt, mode="regex"))) <= {"too_slow"}


def test_ordinary_regexes_are_not_too_slow() -> None:
    for pattern in ("a.c", "^[A-Z]{2}", r"(\d)\1", "(?:vani){e<=1}", r"[a-z]{8}\d{4}", "abc|xyz$"):
        assert codes(PatternSpec(pattern, mode="regex")) == [], pattern


def test_probe_bodies_are_real_bodies_of_the_format() -> None:
    for name, fmt in FORMATS.items():
        bodies = probe_bodies(name)
        assert len(set(bodies)) == len(bodies) >= 16
        assert all(fmt.min_body_length <= len(b) <= fmt.body_length and set(b) <= set(fmt.alphabet) for b in bodies)


@pytest.mark.parametrize("pattern", ["a{4294967294}", "(?:a{1000}){1000}", "((a{100}){100}){100}"])
def test_a_regex_too_large_to_compile_is_refused_before_compiling(pattern: str) -> None:
    issue = only_issue(PatternSpec(pattern, mode="regex"))
    assert issue.code == "regex_too_large" and "44 characters" in issue.message


def test_the_verbose_flag_is_refused() -> None:
    issue = only_issue(PatternSpec("(?x) a b # comment", mode="regex"))
    assert issue.code == "bad_regex" and "(?x)" in issue.message


@pytest.mark.parametrize("anchor, hit, miss", [
    ("anywhere", "zzABCzz", "zzabzz"), ("prefix", "AbCzz", "zAbC"), ("suffix", "zzaBC", "aBCz")])
def test_global_inline_flags_compile_and_apply(anchor: str, hit: str, miss: str) -> None:
    compiled = compile_pattern(PatternSpec("(?i)abc", mode="regex", anchor=anchor))
    assert compiled.jackpot_regex.search(hit) and not compiled.jackpot_regex.search(miss)


def test_a_backreference_compiles_and_matches() -> None:
    compiled = compile_pattern(PatternSpec(r"(a)\1", mode="regex", anchor="suffix"))
    assert compiled.regex.search("xaax") and compiled.jackpot_regex.search("xaa")
    assert not compiled.regex.search("axa")


@pytest.mark.parametrize("anchor", ANCHORS)
def test_group_numbers_keep_their_meaning(anchor: str) -> None:
    compiled = compile_pattern(PatternSpec(r"(a)(b)\2", mode="regex", anchor=anchor))
    for regex in (compiled.regex, compiled.jackpot_regex):
        found = regex.search("abb")
        assert found and found.group(1) == "a" and found.group(2) == "b"
        assert not regex.search("aba") and not regex.search("abab")


_REGEX_TOKENS = ["a", "b", "[a-z]", ".", "(", ")", "(?:", "(?i)", "(?s)", "(?P<g>", "(?P=g)", r"\1", r"\2",
                 "|", "+", "*", "?", "{2}", "^", "$", r"\A", r"\Z", "(?=", "(?<=", "\\", "]", "{"]


@given(st.lists(st.sampled_from(_REGEX_TOKENS), min_size=1, max_size=8), st.sampled_from(ANCHORS))
def test_every_regex_validate_accepts_compiles(tokens: list[str], anchor: str) -> None:
    spec = PatternSpec("".join(tokens), mode="regex", anchor=anchor)
    issues = validate(spec)
    assert all(issue.code in {"bad_regex", "too_slow"} and issue.message for issue in issues)
    if not issues:
        compiled = compile_pattern(spec)
        for body in probe_bodies("did:key")[:4]:
            compiled.regex.search(body)
            compiled.jackpot_regex.search(body)


@pytest.mark.parametrize("mode", ["words", "regex"])
@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\u200d"])
def test_control_characters_are_refused(mode: str, char: str) -> None:
    issue = only_issue(PatternSpec(f"ab{char}c", mode=mode))
    assert issue.code == "bad_character" and issue.char == char
    assert f"U+{ord(char):04X}" in issue.message and "remove it" in issue.message


def test_whitespace_still_separates_words() -> None:
    assert codes(PatternSpec("ab\tcd\nef")) == []
