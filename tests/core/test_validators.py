"""core.validators.as_uuid: a UUID for anything that is one, None for everything else."""
import uuid

import pytest

from core.validators import as_uuid

ID = uuid.UUID("1b4e28ba-2fa1-11d2-883f-0016d3cca427")


@pytest.mark.parametrize(
    "value",
    [
        "1b4e28ba-2fa1-11d2-883f-0016d3cca427",
        "1B4E28BA-2FA1-11D2-883F-0016D3CCA427",
        "1b4e28ba2fa111d2883f0016d3cca427",
        ID,
    ],
)
def test_a_uuid_or_its_text_is_that_uuid(value):
    assert as_uuid(value) == ID
    assert isinstance(as_uuid(value), uuid.UUID)


@pytest.mark.parametrize(
    "value",
    [
        None,
        0,
        ID.int,
        1.5,
        True,
        b"1b4e28ba-2fa1-11d2-883f-0016d3cca427",
        ["1b4e28ba-2fa1-11d2-883f-0016d3cca427"],
        {"id": str(ID)},
    ],
)
def test_a_non_string_is_not_a_uuid(value):
    assert as_uuid(value) is None


@pytest.mark.parametrize(
    "value",
    [
        "",
        "not-a-uuid",
        "1b4e28ba-2fa1-11d2-883f-0016d3cca42",  # one digit short
        "1b4e28ba-2fa1-11d2-883f-0016d3cca4270",  # one digit long
        "1b4e28ba-2fa1-11d2-883f-0016d3cca42g",  # not hex
        "1b4e28ba-2fa1-11d2-883f-0016d3cca427\x00",  # NUL
        "\x001b4e28ba-2fa1-11d2-883f-0016d3cca427",
        "1b4e28ba-2fa1-11d2-883f-0016d3cca42\ud800",  # lone surrogate
        "1b4e28ba-2fa1-11d2-883f-0016d3cca427\ud800",
        " 1b4e28ba-2fa1-11d2-883f-0016d3cca427",  # whitespace uuid.UUID would strip
        "1b4e28ba-2fa1-11d2-883f-0016d3cca427\n",
        "{1b4e28ba-2fa1-11d2-883f-0016d3cca427}",
        "urn:uuid:1b4e28ba-2fa1-11d2-883f-0016d3cca427",
        "1b4e_28ba2fa111d2883f0016d3cca427",  # underscores int() would read
        "１b4e28ba-2fa1-11d2-883f-0016d3cca427",  # a full-width digit
        "١b4e28ba-2fa1-11d2-883f-0016d3cca427",  # an Arabic-Indic digit
    ],
)
def test_text_that_is_not_a_uuid_is_none(value):
    assert as_uuid(value) is None
