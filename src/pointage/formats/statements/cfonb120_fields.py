"""The zones of a CFONB 120 record and how to read them, shared by the reader and the writer.

Positions below are the layout's, 1-based and inclusive; the slices in the code are Python's
(0-based, end excluded): positions 91–104 are `line[90:104]`.

Amounts are 14 characters, right-aligned and zero-padded, signed by their last character:
'{' is +0, 'A'–'I' are +1 to +9, '}' is −0 and 'J'–'R' are −1 to −9 (one layout document
prints them in lower case, so 'a'–'r' are read too). The record's "number of decimals"
(position 20) says where the decimal point is; the amount is converted to the minor units of
the currency, and refused when it has more decimals than the currency has.

Dates are JJMMAA; years 69–99 are 1969–1999 and 00–68 are 2000–2068 (the same pivot as C's
`strptime`), so the writer refuses dates outside 1969–2068.
"""

from __future__ import annotations

import re
from datetime import date

from pointage.core.money import EXPONENTS

RECORD_LENGTH = 120
BLANK = " \x00\x1a"  # what a blank line may hold (DOS files end with ^Z)

POSITIVE_SIGNS = "{ABCDEFGHI"
NEGATIVE_SIGNS = "}JKLMNOPQR"
# Last character of an amount -> its digit; the sign comes from NEGATIVE.
SIGN_DIGITS: dict[str, int] = {
    **{char: digit for digit, char in enumerate(POSITIVE_SIGNS)},
    **{char: digit for digit, char in enumerate(NEGATIVE_SIGNS)},
    **{char: digit for digit, char in enumerate("abcdefghi", start=1)},
    **{char: digit for digit, char in enumerate("jklmnopqr", start=1)},
}
NEGATIVE = frozenset(NEGATIVE_SIGNS + "jklmnopqr")

# 05 qualifiers of the CFONB "relevé 120" (2010 edition). Those whose 70-character zone is
# two 35-character halves give each half a reference named after the ISO 20022 element the
# CFONB document maps it to; the others are plain text.
SPLIT_QUALIFIERS: dict[str, tuple[str, str]] = {
    "REF": ("PmtInfId", "InstrId"),  # référence de la remise / de la transaction
    "RCN": ("EndToEndId", "Purpose"),  # référence de client à client / nature du paiement
    "RUM": ("MndtId", "SeqTp"),  # référence unique du mandat / séquence de présentation
}
PLAIN_QUALIFIERS = frozenset(
    {
        "LIB", "NPY", "IPY", "NBE", "IBE", "NPO", "IPO", "NBU", "IBU", "LCC", "LC2", "LCS",
        "MMO", "CBE", "CPY",
    }
)  # fmt: skip
_QUALIFIER = re.compile(r"[A-Z0-9]{3}")

# Zones of a movement (04) kept as references when not blank: name -> (start, end) slice.
REFERENCE_ZONES: dict[str, tuple[int, int]] = {
    "internal_code": (7, 11),  # code opération interne à la banque, positions 8–11
    "rejection_code": (40, 42),  # code motif de rejet, 41–42
    "entry_number": (81, 88),  # numéro d'écriture: chèque, remise, pièce; 82–88
    "commission_exemption": (88, 89),  # indice d'exonération de commission, 89
    "unavailability": (89, 90),  # indice d'indisponibilité, 90
    "reference": (104, 120),  # zone référence, 105–120
}
AMOUNT_ZONE = (90, 104)

# An amount anywhere in a record, for the lenient reading of misplaced amounts: 13 digits
# and a sign character, not glued to other digits or letters.
_LOOSE_AMOUNT = re.compile(r"(?<![0-9A-Za-z])[0-9]{13}[{}A-Ra-r](?![0-9A-Za-z])")
_LOOSE_FROM = 48  # after the dates: the label and what follows


class FieldError(Exception):
    """A zone that cannot be read; the message completes "record N: <what> ..."."""


def read_date(text: str) -> date | None:
    """JJMMAA -> date, or None when it is not a date."""
    if len(text) != 6 or not text.isascii() or not text.isdigit():
        return None
    year = int(text[4:])
    year += 1900 if year >= 69 else 2000
    try:
        return date(year, int(text[2:4]), int(text[:2]))
    except ValueError:
        return None


def read_amount(zone: str, decimals: str, currency: str) -> int:
    """A signed 14-character amount zone in minor units of `currency`.

    A blank number of decimals means the currency's own; a currency Pointage does not know
    is read at the decimals the record gives. Raises FieldError.
    """
    digits, sign = zone[:13], zone[13:14]
    if not (digits.isascii() and digits.isdigit() and sign in SIGN_DIGITS):
        raise FieldError(f"has no signed amount in positions 91–104 ({zone.strip()!r})")
    value = int(digits) * 10 + SIGN_DIGITS[sign]
    if sign in NEGATIVE:
        value = -value
    currency_digits = EXPONENTS.get(currency)
    if decimals == " " and currency_digits is not None:
        return value
    if not (decimals.isascii() and decimals.isdigit()):
        raise FieldError(f"has no number of decimals in position 20 ({decimals!r})")
    places = int(decimals)
    shift = (places if currency_digits is None else currency_digits) - places
    scale: int = 10 ** abs(shift)
    if shift >= 0:
        return value * scale
    minor, remainder = divmod(value, scale)
    if remainder:
        raise FieldError(
            f"has an amount with {places} decimals ({zone.strip()}) that {currency} cannot "
            f"hold in its {currency_digits}"
        )
    return minor


def movement_references(line: str) -> dict[str, str]:
    references = {}
    for name, (start, end) in REFERENCE_ZONES.items():
        value = line[start:end].strip()
        if value:
            references[name] = value
    return references


def complement_fields(line: str) -> tuple[str | None, str | None, dict[str, str]]:
    """(qualifier, text, references) of a 05 record.

    The 2010 layout puts a qualifier in 46–48 and 70 characters of text in 49–118. A record
    that does not follow it (older layouts write free text from position 41; some banks put
    odd qualifiers) is kept raw: no qualifier, the text of positions 41–118.
    """
    qualifier = line[45:48]
    if line[40:45] != "     ":
        return None, line[40:118].strip() or None, {}
    text = line[48:118].rstrip() or None
    if qualifier == "   ":
        return None, text, {}
    if not _QUALIFIER.fullmatch(qualifier):
        return None, line[45:118].strip() or None, {}
    names = SPLIT_QUALIFIERS.get(qualifier)
    references = {}
    if names is not None:
        for name, start in zip(names, (48, 83), strict=True):
            value = line[start : start + 35].strip()
            if value:
                references[name] = value
    return qualifier, text, references


def loose_amount(line: str) -> tuple[int, int] | None:
    """Where an amount sits when it is not in 91–104: the (start, end) slice of the only
    signed 14-character number after the dates, or None when there is none or several."""
    found = [match.span() for match in _LOOSE_AMOUNT.finditer(line, _LOOSE_FROM)]
    return found[0] if len(found) == 1 and found[0] != AMOUNT_ZONE else None
