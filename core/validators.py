"""Input rules shared by every entry point (API schemas, forms)."""
import re
import unicodedata
import uuid
from typing import Annotated

from pydantic import AfterValidator

ALLOWED_CONTROLS = frozenset("\t\n\r")
# 32 ASCII hex digits, hyphens optional between the groups: the ids we hand out, as text.
UUID_TEXT = re.compile(r"[0-9a-fA-F]{8}(?:-?[0-9a-fA-F]{4}){3}-?[0-9a-fA-F]{12}")


def no_control_characters(value: str) -> str:
    """Text from users never carries NUL or other control characters (the database refuses
    NUL); tabs and line breaks are whitespace like any other."""
    if any(unicodedata.category(char) == "Cc" and char not in ALLOWED_CONTROLS for char in value):
        raise ValueError("must not contain control characters")
    if any("\ud800" <= char <= "\udfff" for char in value):  # JSON's "\ud800": not text
        raise ValueError("must not contain lone surrogates")
    return value


CleanText = Annotated[str, AfterValidator(no_control_characters)]


def as_uuid(value: object) -> uuid.UUID | None:
    """``value`` as a UUID when it is one (a UUID, or its 32 hex digits as text, hyphens
    optional), else None: ids from URLs, JSON and Stripe metadata arrive as anything, and
    an id that is not a UUID names nothing. Stricter than ``uuid.UUID``, which also reads
    whitespace, underscores, braces and non-ASCII digits; a non-string (None, a number,
    bytes) is None, as is text with NUL or a lone surrogate."""
    if isinstance(value, uuid.UUID):
        return value
    if not isinstance(value, str) or UUID_TEXT.fullmatch(value) is None:
        return None
    return uuid.UUID(value)
