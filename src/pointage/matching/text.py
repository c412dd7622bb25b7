"""Reading bank lines as text: one normal form, and the whole numbers written in it.

Banks write labels in upper case ASCII mostly, sometimes with accents or lower case (camt,
OFX); the engine compares the normal form: upper case, accents removed, runs of blanks
made one space.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from pointage.matching.model import BankMovement

_BLANKS = re.compile(r"\s+")
_NUMBER = re.compile(r"(?<![0-9])[0-9]+(?![0-9])")


@lru_cache(maxsize=65_536)
def normal(text: str) -> str:
    """Upper case, without accents, blanks collapsed: 'Remise  cb n°12' -> 'REMISE CB N°12'."""
    if text.isascii():  # most bank text: nothing to decompose, the same result faster
        return _BLANKS.sub(" ", text).strip().upper()
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _BLANKS.sub(" ", plain).strip().upper()


def whole_numbers(text: str) -> list[str]:
    """The runs of digits of `text`, each whole: '000123 7012345' -> ['000123', '7012345'].

    A number is never found inside a longer one: '12' is not in '0001234'."""
    return _NUMBER.findall(text)


def searchable(entry: BankMovement) -> str:
    """Everything a bank line says, in normal form, zones separated by ' | ': label, then
    complements, then references (entry number, reference, end-to-end id…)."""
    parts = [entry.label, *entry.details, *entry.references.values()]
    return " | ".join(normal(part) for part in parts if part)
