"""Regular expressions typed by users, searched under a time limit (PRODUCT.md §2, regex mode).

A user's expression can backtrack catastrophically (``(a|a)+b`` on "aaaa…"); with the
stdlib ``re`` one search then runs for ever and takes its web or Celery worker with it.
So every user expression is compiled by the ``regex`` package, whose searches take a
``timeout``: a search that runs past it raises ``RegexTimeout`` instead of hanging.

``too_slow`` is the check validation runs before a pattern is accepted; the timeout
of every later search (grinding, odds sampling) is the backstop for bodies the check
did not try. Compiling is not covered by a timeout, and ``regex`` spends time and
memory in proportion to its repeat counts (``(?:a{1000}){1000}`` takes a second,
``a{4294967294}`` all the memory there is), so ``expansion_bound`` must be checked
before an expression is compiled; it is exact only without the verbose flag, whose
comments can hide counts (``uses_verbose`` finds it).

Patterns of words mode never come here: the engine writes those expressions itself,
and the stdlib ``re`` is safe and faster for them.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Sequence

import regex

SEARCH_TIMEOUT = 0.25  # seconds one search may take while grinding or sampling
TOO_SLOW_MESSAGE = ("this regular expression is too slow to search (catastrophic backtracking); "
                    "simplify nested quantifiers like (a+)+")

MAX_EXPANSION = 100_000  # expansion_bound above which an expression is not compiled

error = regex.error
_COUNT = re.compile(r"\{(\d*),?(\d*)\}")
_VERBOSE_FLAG = re.compile(r"\(\?[\w-]*x")


class RegexTimeout(TimeoutError):
    """A search of a user's regular expression ran past its time limit."""


class UserRegex:
    """A user's expression compiled by ``regex``; every search stops after ``timeout`` s.

    ``source`` is compiled as given: callers wrap it (anchors) before it gets here.
    Raises ``regex.error`` (``userregex.error``) for an expression that does not compile.
    """

    def __init__(self, source: str, timeout: float = SEARCH_TIMEOUT) -> None:
        self.pattern = source
        self.timeout = timeout
        try:
            self._compiled = regex.compile(source)
        except (ValueError, TypeError, OverflowError, RecursionError) as exc:
            if isinstance(exc, regex.error):
                raise
            raise regex.error(str(exc)) from exc  # e.g. conflicting flags (?au)

    def search(self, text: str, timeout: float | None = None) -> regex.Match | None:
        """The first match in ``text``; raises RegexTimeout past ``timeout`` (default: the object's)."""
        limit = self.timeout if timeout is None else timeout
        try:
            return self._compiled.search(text, timeout=limit)
        except TimeoutError as exc:
            raise RegexTimeout(TOO_SLOW_MESSAGE) from exc

    def findall(self, text: str) -> list:
        """Every non-overlapping match, as ``re.findall`` returns them; same time limit as search."""
        try:
            return self._compiled.findall(text, timeout=self.timeout)
        except TimeoutError as exc:
            raise RegexTimeout(TOO_SLOW_MESSAGE) from exc

    def __repr__(self) -> str:
        return f"UserRegex({self.pattern!r})"


def uses_verbose(source: str) -> bool:
    """Whether ``source`` may turn on the verbose flag (``(?x)``, ``(?ix:…)``…).

    Read from the text, so a lookalike inside a character class counts too."""
    return _VERBOSE_FLAG.search(source) is not None


def expansion_bound(source: str) -> int:
    """An upper bound of what ``regex`` unrolls a non-verbose ``source`` into: its length
    times the product of every repeat count (the larger number of each ``{m,n}``).

    Braces inside a character class or escaped are counted too, which only overestimates.
    """
    product = 1
    for low, high in _COUNT.findall(source):
        product *= max(int(low or 0), int(high or 0), 1)
    return len(source) * product


def too_slow(expressions: Sequence[UserRegex], texts: Iterable[str], per_search: float, total: float) -> bool:
    """Whether searching every text with every expression takes over ``per_search``
    seconds for one search, or over ``total`` seconds for all of them together.

    Returns as soon as either limit is passed, so it never runs much past ``total``.
    """
    deadline = time.perf_counter() + total
    for text in texts:
        for expression in expressions:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                return True
            try:
                expression.search(text, timeout=min(per_search, remaining))
            except RegexTimeout:
                return True
    return time.perf_counter() > deadline
