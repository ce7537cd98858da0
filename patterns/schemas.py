"""The pattern object of PRODUCT.md §9, shared by every endpoint that takes one."""
from typing import Literal

from ninja import Schema
from pydantic import Field, StrictBool, StrictInt

from core.validators import CleanText
from patterns.engine import ANCHORS, FORMATS, MODES, PatternSpec

FormatName = Literal[tuple(FORMATS)]
AnchorName = Literal[ANCHORS]
ModeName = Literal[MODES]


class PatternIn(Schema):
    pattern: CleanText = Field(min_length=1, max_length=400, examples=["BE AWE SUM"])
    format: FormatName = "did:key"
    case_insensitive: StrictBool = False
    fuzzy: StrictBool = False
    anchor: AnchorName = "anywhere"
    mode: ModeName = "words"

    def to_spec(self) -> PatternSpec:
        return PatternSpec.from_mapping(self)


class EstimateIn(PatternIn):
    budget: StrictInt | None = Field(default=None, ge=1, le=10**12)


class PatternIssueOut(Schema):
    code: str
    message: str
    part: str | None = None
    char: str | None = None


class ValidationOut(Schema):
    valid: bool
    errors: list[PatternIssueOut]
