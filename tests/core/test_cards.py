"""Card numbers: only the first 6 and last 4 digits ever pass."""

from __future__ import annotations

import pytest

from pointage.core.cards import mask_pan, normalise_masked_pan
from pointage.core.errors import InvalidInput

FULL_PAN = "4970101234560044"


@pytest.mark.parametrize(
    ("given", "normalised"),
    [
        ("497010******0044", "497010XXXXXX0044"),
        ("497010XXXXXX0044", "497010XXXXXX0044"),
        ("497010xxxxxx0044", "497010XXXXXX0044"),
        (" 4970 10XX XXXX 0044 ", "497010XXXXXX0044"),
        ("497010XXX0044", "497010XXX0044"),  # 13-digit card
        ("497010XXXXXXXXX0044", "497010XXXXXXXXX0044"),  # 19-digit card
    ],
)
def test_masked_numbers_are_normalised(given: str, normalised: str) -> None:
    assert normalise_masked_pan(given) == normalised


@pytest.mark.parametrize("pan", [FULL_PAN, "4970 1012 3456 0044", "497010123456", "4" * 19])
def test_a_full_card_number_is_refused_without_being_echoed(pan: str) -> None:
    with pytest.raises(InvalidInput, match="full card number") as caught:
        normalise_masked_pan(pan, param="card")
    assert caught.value.param == "card"
    digits = pan.replace(" ", "")
    assert digits not in str(caught.value)
    assert digits[6:-4] not in str(caught.value)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "497010XX0044",  # too few hidden digits
        "497010XXXXXXXXXX0044",  # too many
        "49701XXXXXXX0044",  # 5 leading digits
        "497010XXXXXX004",  # 3 trailing digits
        "497010-XXXXXX-0044",
        "497010XXXXXX00AB",
        "4970101XXXXX0044",  # a seventh clear digit
        "٤٩٧٠١٠XXXXXX٠٠٤٤",  # Arabic-Indic digits are not card digits
    ],
)
def test_malformed_masked_numbers_are_refused(value: str) -> None:
    with pytest.raises(InvalidInput, match="6 digits, 3 to 9 X, then 4 digits") as caught:
        normalise_masked_pan(value)
    assert caught.value.param == "card_masked"


@pytest.mark.parametrize(
    ("pan", "masked"),
    [
        (FULL_PAN, "497010XXXXXX0044"),
        ("4970 1012 3456 0044", "497010XXXXXX0044"),
        ("4970-1012-3456-0044", "497010XXXXXX0044"),
        ("497010123456", "497010XX3456"),
        ("4970101234567890123", "497010XXXXXXXXX0123"),
    ],
)
def test_mask_pan_keeps_first_six_and_last_four(pan: str, masked: str) -> None:
    assert mask_pan(pan) == masked


@pytest.mark.parametrize("pan", ["49701012345", "4" * 20, "", "٤٩٧٠١٠١٢٣٤٥٦٠٠٤٤"])
def test_mask_pan_refuses_a_wrong_length(pan: str) -> None:
    with pytest.raises(InvalidInput, match="12 to 19 digits"):
        mask_pan(pan)
