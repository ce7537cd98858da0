"""The matcher (PRODUCT.md §3): properties over random bodies and patterns, and examples."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from patterns.engine import (
    FORMATS,
    CompiledPattern,
    MatchResult,
    PatternSpec,
    RegexTimeout,
    compile_pattern,
    display,
    evaluate,
)
from patterns.engine.matcher import (
    WORDS_FILE,
    english_words,
    explain,
    highlight_spans,
    quick_rank,
    straights,
    word_list,
)
from patterns.engine.pattern import _compile

SMALL = "abAB12"  # a small alphabet makes matches frequent


def window_matches(compiled: CompiledPattern, part: int, body: str, start: int) -> bool:
    classes = compiled.classes[part]
    return start + len(classes) <= len(body) and all(
        body[start + j] in cls for j, cls in enumerate(classes))


def reference_jackpot(compiled: CompiledPattern, body: str, part: int = 0, start: int = 0) -> bool:
    if part == compiled.n:
        return True
    anchor, last = compiled.anchor, part == compiled.n - 1
    for i in range(start, len(body)):
        if anchor == "prefix" and part == 0 and i > 0:
            break
        if anchor == "suffix" and last and i + len(compiled.classes[part]) != len(body):
            continue
        if window_matches(compiled, part, body, i) and reference_jackpot(
                compiled, body, part + 1, i + len(compiled.classes[part])):
            return True
    return False


@st.composite
def cases(draw: st.DrawFn) -> tuple[CompiledPattern, str]:
    fmt = draw(st.sampled_from(["did:key", "ssh", "solana"]))
    alphabet = FORMATS[fmt].alphabet
    parts = draw(st.lists(st.text(SMALL, min_size=1, max_size=3), min_size=1, max_size=4))
    spec = PatternSpec(" ".join(parts), format=fmt, fuzzy=draw(st.booleans()),
                       case_insensitive=draw(st.booleans()),
                       anchor=draw(st.sampled_from(["anywhere", "prefix", "suffix"])))
    body = draw(st.text(st.sampled_from(SMALL + alphabet[:8]), min_size=0, max_size=30))
    return _compile(spec), body  # skips validation: impossible anchors are fine here


@settings(max_examples=300, deadline=None)
@given(cases())
def test_jackpot_agrees_with_exhaustive_search(case: tuple[CompiledPattern, str]) -> None:
    compiled, body = case
    assert evaluate(compiled, body).jackpot == reference_jackpot(compiled, body)


@settings(max_examples=300, deadline=None)
@given(cases())
def test_jackpot_has_full_score_and_quick_rank_agrees(case: tuple[CompiledPattern, str]) -> None:
    compiled, body = case
    result = evaluate(compiled, body)
    if result.jackpot:
        assert result.score == result.n
    assert quick_rank(compiled, body) == (int(result.jackpot), result.score)
    assert result.rank == (int(result.jackpot), result.score, len(result.bonus))


@settings(max_examples=300, deadline=None)
@given(cases())
def test_anchored_jackpot_sits_at_the_ends(case: tuple[CompiledPattern, str]) -> None:
    compiled, body = case
    if not evaluate(compiled, body).jackpot:
        return
    if compiled.anchor == "prefix":
        assert window_matches(compiled, 0, body, 0)
    if compiled.anchor == "suffix":
        last = compiled.n - 1
        assert window_matches(compiled, last, body, len(body) - len(compiled.classes[last]))


@settings(max_examples=300, deadline=None)
@given(cases())
def test_matches_are_first_windows_and_missing_is_the_rest(case: tuple[CompiledPattern, str]) -> None:
    compiled, body = case
    result = evaluate(compiled, body)
    found = dict(result.matches)
    for index, part in enumerate(compiled.parts):
        starts = [i for i in range(len(body)) if window_matches(compiled, index, body, i)]
        if starts:
            assert found[part] == starts[0]
        else:
            assert part in result.missing
    assert result.score + len(result.missing) == result.n


def test_equal_parts_are_found_by_one_occurrence() -> None:
    compiled = compile_pattern(PatternSpec("ab ab"))
    result = evaluate(compiled, "xxabxx")
    assert result.score == 2 and not result.jackpot
    assert result.matches == (("ab", 2), ("ab", 2))
    assert evaluate(compiled, "abxab").jackpot


def test_overlapping_parts_need_separate_windows() -> None:
    compiled = compile_pattern(PatternSpec("abab ba"))
    assert evaluate(compiled, "xababx").score == 2
    assert not evaluate(compiled, "xababx").jackpot
    assert evaluate(compiled, "ababba").jackpot


def test_order_matters_for_the_jackpot() -> None:
    compiled = compile_pattern(PatternSpec("GG BB"))
    assert evaluate(compiled, "xxGGyyBB").jackpot
    result = evaluate(compiled, "BBxxGG")
    assert result.score == 2 and not result.jackpot


def test_match_result_fields() -> None:
    compiled = compile_pattern(PatternSpec("zz Qx", format="did:key"))
    result = evaluate(compiled, "aazzbb")
    assert isinstance(result, MatchResult)
    assert (result.body, result.score, result.n, result.missing) == ("aazzbb", 1, 2, ("Qx",))


def test_bonus_runs_straights_repeats_and_words() -> None:
    compiled = compile_pattern(PatternSpec("xy"))
    bonus = evaluate(compiled, "aaa1234xyxyDCBAhouse").bonus
    assert "run 'aaa'" in bonus
    assert "straight '1234'" in bonus and "straight 'DCBA'" in bonus
    assert "'xy' ×2" in bonus
    assert "word 'house'" in bonus


def test_straights_are_maximal_and_need_four() -> None:
    assert straights("abcdefxx123z") == ["abcdef"]
    assert straights("9876543") == ["9876543"]
    assert straights("aZbY") == []


def test_words_are_case_insensitive_and_not_nested() -> None:
    assert "house" in word_list()
    assert english_words("xxHoUsExx") == ["house"]
    assert "hous" not in english_words("xxhousexx")


def test_the_word_list_is_common_words_a_person_recognises() -> None:
    words = word_list()
    assert 3000 <= len(words) <= 10_000
    assert all(w.isascii() and w.isalpha() and w.islower() and 4 <= len(w) <= 10 for w in words)
    for common in ("house", "water", "people", "online", "garden", "email"):
        assert common in words
    for obscure in ("wyve", "yigh", "wulk", "turp", "aalii", "abac"):
        assert obscure not in words
    assert "london" not in words  # names are not words here
    assert english_words("z6MkwyveYighWulkTurp") == []
    assert WORDS_FILE.read_text().startswith("#") and not any(w.startswith("#") for w in words)


def test_the_word_list_documents_where_it_came_from() -> None:
    readme = (WORDS_FILE.parent / "README.md").read_text()
    for fact in ("wordfreq", "CC BY-SA 4.0", "SCOWL", "make_words.py"):
        assert fact in readme


def test_highlight_spans() -> None:
    compiled = compile_pattern(PatternSpec("ab cd"))
    assert highlight_spans(compiled, "xxabcdxx") == ((2, 6),)
    assert highlight_spans(compiled, "abxxcd") == ((0, 2), (4, 6))
    assert highlight_spans(compiled, "cdxxxx") == ((0, 2),)
    assert highlight_spans(compiled, "xxxxxx") == ()


def test_regex_mode_is_hit_or_miss() -> None:
    compiled = compile_pattern(PatternSpec("a.c", mode="regex", anchor="suffix"))
    assert evaluate(compiled, "xxabc").jackpot
    hit = evaluate(compiled, "abcxx")
    assert hit.score == 1 and hit.n == 1 and not hit.jackpot
    assert quick_rank(compiled, "zzz") == (0, 0)


def test_regex_mode_highlights_the_whole_match_whatever_its_groups() -> None:
    compiled = compile_pattern(PatternSpec(r"(a)(b)\2", mode="regex", anchor="suffix"))
    assert evaluate(compiled, "xxabb").jackpot and not evaluate(compiled, "xxaba").jackpot
    assert highlight_spans(compiled, "xxabb") == ((2, 5),)
    assert highlight_spans(compiled, "abbxx") == ((0, 3),)
    assert evaluate(compiled, "xxabb").matches == (("(a)(b)\\2", 2),)


def test_a_regex_search_that_runs_too_long_raises_instead_of_hanging() -> None:
    slow = _compile(PatternSpec(r"(\w|[a-z])+\W", mode="regex"))  # skips validation, which refuses it
    body = "z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
    with pytest.raises(RegexTimeout, match="too slow to search"):
        quick_rank(slow, body)
    with pytest.raises(RegexTimeout):
        evaluate(slow, body)


@st.composite
def display_cases(draw: st.DrawFn) -> tuple[CompiledPattern, str]:
    """Patterns and bodies over a tiny alphabet with lookalikes and both cases, so that a
    part often occurs several times, literally and not."""
    letters = "GgQq69oO0"
    parts = draw(st.lists(st.text("GgOo9", min_size=1, max_size=3), min_size=1, max_size=3))
    spec = PatternSpec(" ".join(parts), format="ssh", fuzzy=draw(st.booleans()), case_insensitive=draw(st.booleans()),
                       anchor=draw(st.sampled_from(["anywhere", "prefix", "suffix"])))
    body = draw(st.text(st.sampled_from(letters + "xy"), min_size=0, max_size=24))
    return _compile(spec), body


def substitutions(part: str, text: str) -> int:
    return sum(1 for a, b in zip(part, text) if a != b)


@settings(max_examples=400, deadline=None)
@given(display_cases())
def test_display_shows_the_most_literal_occurrence(case: tuple[CompiledPattern, str]) -> None:
    compiled, body = case
    result, shown = evaluate(compiled, body), display(compiled, body)
    assert [w.part for w in shown.windows] == [part for part, _ in result.matches]  # found parts, in order
    for window in shown.windows:
        index = compiled.parts.index(window.part)
        assert window_matches(compiled, index, body, window.start) and body[window.start:window.end] == window.text
        assert len(window.lookalikes) == substitutions(window.part, window.text)
        assert any(a <= window.start and window.end <= b for a, b in shown.spans)  # highlighted
    if result.jackpot:  # one placement of all the parts, in order, not overlapping, anchored
        starts = [w.start for w in shown.windows]
        assert all(a.end <= b.start for a, b in zip(shown.windows, shown.windows[1:]))
        if compiled.anchor == "prefix":
            assert starts[0] == 0
        if compiled.anchor == "suffix":
            assert shown.windows[-1].end == len(body)
    else:  # each part's window has no more substitutions than any other occurrence of it
        for window in shown.windows:
            index = compiled.parts.index(window.part)
            others = [body[i:i + len(window.part)] for i in range(len(body)) if window_matches(compiled, index, body, i)]
            assert substitutions(window.part, window.text) == min(substitutions(window.part, t) for t in others)


def test_display_prefers_a_literal_go_to_a_lookalike_qo_and_says_why() -> None:
    compiled = compile_pattern(PatternSpec("GO", fuzzy=True, case_insensitive=True))  # did:key: no O, so never literal
    body = "abQoxxxxGoyy"
    assert evaluate(compiled, body).matches == (("GO", 2),)  # the API keeps the first position
    shown = display(compiled, body)
    assert shown.spans == ((8, 10),) and shown.windows[0].text == "Go"
    assert shown.notes == ("'Go' counted as 'GO': o is O in lowercase (case-insensitive).",)

    only_lookalike = display(compiled, "abQoxx")
    assert only_lookalike.windows[0].text == "Qo"
    assert only_lookalike.notes[0].startswith("'Qo' counted as 'GO': Q is a lookalike of G (fuzzy groups G 6 and g 9 q")
    in_ssh = compile_pattern(PatternSpec("GO", "ssh", fuzzy=True, case_insensitive=True))
    assert display(in_ssh, "Qoxxgoxx6OxGOxx").spans == ((11, 13),)
    assert display(in_ssh, "xxGOxx").notes == () and display(in_ssh, "xxGOxx").windows[0].literal


def test_a_jackpot_shows_its_most_literal_placement_in_order() -> None:
    compiled = compile_pattern(PatternSpec("GO BE", "ssh", fuzzy=True, case_insensitive=True))
    assert display(compiled, "QoxxBexxGOxxBE").spans == ((8, 10), (12, 14))
    assert display(compiled, "QoxxBExxGOxx").spans == ((0, 2), (4, 6))  # the literal GO comes after BE
    equal = compile_pattern(PatternSpec("ab ab"))
    assert display(equal, "xabxxabx").spans == ((1, 3), (5, 7))
    assert display(equal, "xabxx").spans == ((1, 3),)


def test_lookalike_explanations_name_the_fuzzy_groups() -> None:
    assert explain("0", "O", fuzzy=True, case_insensitive=False).why == "0 is a lookalike of O (fuzzy group O 0 o)"
    assert explain("9", "G", fuzzy=True, case_insensitive=True).why == "9 is a lookalike of G (fuzzy groups G 6 and g 9 q, with case-insensitive)"
    assert explain("a", "A", fuzzy=False, case_insensitive=True).kind == "case"


def test_regex_mode_display_is_the_match() -> None:
    compiled = compile_pattern(PatternSpec("a.c", mode="regex"))
    assert display(compiled, "xxabcx").spans == ((2, 5),) and display(compiled, "xxabcx").windows == ()
