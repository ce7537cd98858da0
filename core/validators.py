"""Input rules shared by every entry point (API schemas, forms)."""
import unicodedata
from typing import Annotated

from pydantic import AfterValidator

ALLOWED_CONTROLS = frozenset("\t\n\r")


def no_control_characters(value: str) -> str:
    """Text from users never carries NUL or other control characters (the database refuses
    NUL); tabs and line breaks are whitespace like any other."""
    if any(unicodedata.category(char) == "Cc" and char not in ALLOWED_CONTROLS for char in value):
        raise ValueError("must not contain control characters")
    if any("\ud800" <= char <= "\udfff" for char in value):  # JSON's "\ud800": not text
        raise ValueError("must not contain lone surrogates")
    return value


CleanText = Annotated[str, AfterValidator(no_control_characters)]
