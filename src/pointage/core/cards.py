"""Card numbers: only the brand, the first 6 and the last 4 digits are ever kept."""

from __future__ import annotations

import re

from pointage.core.errors import InvalidInput

# ASCII digits only: `\d` would also take Arabic-Indic or full-width digits, and store them.
_MASKED = re.compile(r"^([0-9]{6})[X*x]{3,9}([0-9]{4})$")
_ALL_DIGITS = re.compile(r"^[0-9]{12,19}$")


def normalise_masked_pan(value: str, *, param: str = "card_masked") -> str:
    """'497010******0044' -> '497010XXXXXX0044'. Refuses anything else, and a full card
    number above all: it must never be stored, so it is refused without being echoed."""
    text = value.strip().replace(" ", "")
    if _ALL_DIGITS.match(text):
        raise InvalidInput(
            "a full card number was sent; send it masked (first 6 and last 4 digits only)",
            param=param,
        )
    match = _MASKED.match(text)
    if match is None:
        raise InvalidInput(
            "masked card number must be 6 digits, 3 to 9 X, then 4 digits", param=param
        )
    return f"{match.group(1)}{'X' * (len(text) - 10)}{match.group(2)}"


def mask_pan(pan: str) -> str:
    """Mask a full card number at the edge where it arrives, before anything else sees it."""
    digits = re.sub(r"[^0-9]", "", pan)
    if not 12 <= len(digits) <= 19:
        raise InvalidInput("card number must have 12 to 19 digits", param="pan")
    return digits[:6] + "X" * (len(digits) - 10) + digits[-4:]
