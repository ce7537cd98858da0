"""Pattern validation (PRODUCT.md §2) and compilation."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from patterns.engine.formats import BASE32_ALPHABET, BASE58_ALPHABET, FORMATS
from patterns.engine.pattern import (
    FUZZY_GROUPS,
    CompiledPattern,
    PatternError,
    PatternIssue,
    PatternSpec,
    char_class,
    compile_pattern,
    validate,
)


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
