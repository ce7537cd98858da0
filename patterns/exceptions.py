"""A pattern the engine refuses, as an application error."""

from __future__ import annotations

from core.exceptions import ApplicationError

IMPOSSIBLE_CODES = frozenset({"impossible"})


class InvalidPattern(ApplicationError):
    """400 for bad input; 422 when the pattern is valid but can never match. ``issues``
    are the engine's PatternIssues, the first one's code and message lead."""

    def __init__(self, issues: list) -> None:
        status = 422 if all(issue.code in IMPOSSIBLE_CODES for issue in issues) else 400
        super().__init__(issues[0].message, code=issues[0].code, status=status)
        self.issues = issues
