"""The pattern object of PRODUCT.md §9, shared by every endpoint that takes one."""
from typing import Literal

from ninja import Schema
from pydantic import Field, StrictBool

from patterns.engine import PatternSpec
from vanikeys_site.validators import CleanText

FormatName = Literal["did:key", "solana", "ssh", "ssh-fp", "onion"]


class PatternIn(Schema):
    pattern: CleanText = Field(min_length=1, max_length=400, examples=["GO BE AWE SOME"])
    format: FormatName = "did:key"
    case_insensitive: StrictBool = False
    fuzzy: StrictBool = False
    anchor: Literal["anywhere", "prefix", "suffix"] = "anywhere"
    mode: Literal["words", "regex"] = "words"

    def to_spec(self) -> PatternSpec:
        return PatternSpec.from_mapping(self)


class EstimateIn(PatternIn):
    budget: int | None = Field(default=None, ge=1, le=10**12)


class PatternIssueOut(Schema):
    code: str
    message: str
    part: str | None = None
    char: str | None = None


class ValidationOut(Schema):
    valid: bool
    errors: list[PatternIssueOut]
