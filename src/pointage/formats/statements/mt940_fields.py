"""The contents of MT940/MT942 fields: dates, amounts, account, statement line, details.

Pure functions over the text of one field; `mt940` decides where fields begin and end and
which statement they belong to. A function that cannot read its field returns None (or a
problem sentence) and lets the caller turn it into an issue with the field's line number.
"""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from pointage.core.money import EXPONENTS, MAX_MINOR_DIGITS, is_currency
from pointage.formats.statements.model import AccountId, Entry, EntryDetail

# 15d: digits, one decimal comma, no sign. Balances: D/C mark, YYMMDD, currency, amount.
# Some banks leave out the currency of a balance; it is then the statement's.
_AMOUNT = r"[0-9][0-9,]*"
BALANCE = re.compile(rf"\s*([DC])([0-9]{{6}})([A-Z]{{3}})?({_AMOUNT})\s*\Z", re.ASCII)
# Field 61, first line: value date, [entry date MMDD], mark (RC/RD reversals, EC/ED
# expected entries of MT942), [funds code: 3rd letter of the currency], amount, transaction
# type (N/F/S + 3 characters; any letter is accepted), then the references.
STATEMENT_LINE = re.compile(
    rf"([0-9]{{6}})([0-9]{{4}})?(RC|RD|EC|ED|C|D)([A-Z])?({_AMOUNT})([A-Z][A-Z0-9 ]{{3}})?(.*)\Z",
    re.ASCII | re.DOTALL,
)
FLOOR_LIMIT = re.compile(rf"\s*([A-Z]{{3}})([DC])?({_AMOUNT})\s*\Z", re.ASCII)
ENTRY_TOTALS = re.compile(rf"\s*([0-9]{{1,5}})([A-Z]{{3}})({_AMOUNT})\s*\Z", re.ASCII)
DATE_TIME = re.compile(r"\s*([0-9]{6})([0-9]{4})([+-][0-9]{4})?\s*\Z", re.ASCII)

# A reference zone that says "no reference" (or "see field 86") is not a reference.
NO_REFERENCE = frozenset({"NONREF", "NOTPROVIDED", "KREF+", "EREF+", "EREF"})
# The currency of a file that names none: the ISO 4217 code for "no currency".
NO_CURRENCY = "XXX"
_POWERS: list[int] = [10**digits for digits in range(8)]


@lru_cache(maxsize=4096)  # a statement has few distinct days; bounded against odd files
def swift_date(text: str) -> tuple[date, bool] | None:
    """YYMMDD as a date, and whether the day had to be moved to the month's last day.

    Some banks date interest entries on the 30th of every month, February too (German
    "Zinsvaluta"); such a day is read as the last day of the month, and the caller says
    so in an issue. A month outside 1–12 or a day outside 1–31 is not a date: None.
    Years 80–99 are 1980–1999, the others 2000–2079.
    """
    year, month, day = int(text[:2]), int(text[2:4]), int(text[4:6])
    year += 1900 if year >= 80 else 2000
    return _calendar_day(year, month, day)


@lru_cache(maxsize=4096)
def entry_date(text: str, value_date: date) -> tuple[date, bool] | None:
    """MMDD of field 61, in the year that puts it nearest to the value date: an entry
    booked on 2 January for a value date of 31 December is in the following year."""
    month, day = int(text[:2]), int(text[2:])
    year = value_date.year
    if value_date.month == 12 and month == 1:
        year += 1
    elif value_date.month == 1 and month == 12:
        year -= 1
    return _calendar_day(year, month, day)


def _calendar_day(year: int, month: int, day: int) -> tuple[date, bool] | None:
    if not 1 <= month <= 12 or not 1 <= day <= 31:
        return None
    last = monthrange(year, month)[1]
    if day > last:
        return date(year, month, last), True
    return date(year, month, day), False


def currency_digits(currency: str) -> int:
    """Minor-unit digits of a currency; 2 for a code Pointage does not know (the caller
    reports it), which is what the withdrawn European currencies (DEM, NLG…) had."""
    return EXPONENTS.get(currency, 2)


def minor_units(text: str, digits: int) -> int | None:
    """A 15d amount ("1234,5", "0,", "500") in minor units, exactly; None when it is not a
    number, has more decimals than the currency or is beyond any real amount."""
    whole, _, decimals = text.partition(",")
    whole = whole.lstrip("0")
    if "," in decimals or len(whole) > MAX_MINOR_DIGITS - digits:
        return None
    kept = decimals[:digits]
    if decimals[digits:].strip("0"):
        return None
    return int(whole or "0") * _POWERS[digits] + int(kept.ljust(digits, "0") or "0")


# --- field 25: account identification -------------------------------------------------

_IBAN_SHAPE = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}\Z", re.ASCII)
_CURRENCY_SUFFIX = re.compile(r"(.*?[0-9.\s/])\s*/?([A-Z]{3})\s*\Z", re.ASCII | re.DOTALL)


def iban_is_valid(text: str) -> bool:
    rearranged = text[4:] + text[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1


def read_account(value: str) -> tuple[AccountId, str | None]:
    """Field 25 as an account: an IBAN, "bank/account" (a German BLZ, a BIC…) or a bare
    number, with the currency some banks append ("…EUR", "… EUR", "…/HUF").
    Returns the account and a problem sentence, if any."""
    text = value.strip().lstrip("/").strip()
    currency = None
    suffix = _CURRENCY_SUFFIX.match(text)
    if suffix and is_currency(suffix.group(2)) and not _valid_iban(text):
        text, currency = suffix.group(1).strip().rstrip("/").strip(), suffix.group(2)
    bank_text, slash, number = text.partition("/")
    if not slash:
        bank_text, number = "", text
    bank, number = bank_text.strip() or None, number.strip()
    if _valid_iban(number):
        return AccountId(iban=number, bank_code=bank, currency=currency), None
    problem = None
    if _IBAN_SHAPE.match(number):
        problem = f"account {number} looks like an IBAN but its check digits are wrong"
    account = AccountId(bank_code=bank, account_number=number or None, currency=currency)
    return account, problem


def _valid_iban(text: str) -> bool:
    return bool(_IBAN_SHAPE.match(text)) and iban_is_valid(text)


# --- field 61: statement line ---------------------------------------------------------


@dataclass(slots=True)
class StatementLine:
    value_date: str  # YYMMDD
    entry_date: str | None  # MMDD
    mark: str  # C, D, RC, RD, EC, ED
    amount: str  # 15d text, converted once the statement's currency is known
    transaction_type: str | None
    customer_reference: str | None
    bank_reference: str | None
    supplementary_details: str | None
    record: int = 0
    # Its :86: and :NS: fields, created on first use (most lines have one :86:, no :NS:).
    information: list[str] | None = None
    information_record: int = 0
    non_swift: list[tuple[int, str]] | None = None


def read_statement_line(body: str) -> StatementLine | None:
    """The first line holds the subfields up to the bank reference; what follows on that
    line after a run of spaces (old Rabobank layout) and the next lines are the
    supplementary details. A first line cut before its amount (seen at Sparkassen) is
    read together with the second one."""
    lines = body.split("\n")
    match = STATEMENT_LINE.match(lines[0].strip())
    rest = lines[1:]
    if match is None and rest:
        match, rest = STATEMENT_LINE.match((lines[0] + lines[1]).strip()), lines[2:]
    if match is None:
        return None
    value, entry, mark, _funds, amount, kind, references = match.groups()
    customer_zone, slashes, bank_zone = references.partition("//")
    customer, extra = _split_zone(customer_zone)
    bank, bank_extra = _split_zone(bank_zone) if slashes else (None, None)
    supplementary = [part for part in (extra, bank_extra) if part]
    supplementary += [line.strip() for line in rest if line.strip()]
    return StatementLine(
        value,
        entry,
        mark,
        amount,
        kind.strip() if kind else None,
        customer if customer not in NO_REFERENCE else None,
        bank if bank not in NO_REFERENCE else None,
        " ".join(supplementary) or None,
    )


def _split_zone(zone: str) -> tuple[str | None, str | None]:
    """A reference ends at the end of the line or at a run of two spaces, after which
    some banks put a name or an account (not part of the reference)."""
    cut = zone.find("  ")
    if cut < 0:
        return zone.strip() or None, None
    return zone[:cut].strip() or None, zone[cut:].strip() or None


# --- field 86: information to account owner -------------------------------------------

# German (DFÜ/DK) layout: a 3-digit transaction code, then "?NN" subfields; Triodos writes
# ">NN". The separator is whatever follows the code.
_SUBFIELD_START = re.compile(r"\s*([0-9]{3})?([?>])[0-9]{2}", re.ASCII)
_SUBFIELD_SPLIT = {"?": re.compile(r"\?([0-9]{2})"), ">": re.compile(r">([0-9]{2})")}
# SEPA keywords the German layout puts into the purpose subfields (?20–?29, ?60–?63).
_SEPA_KEYWORD = re.compile(r"(EREF|KREF|MREF|CRED|DEBT|SVWZ|ABWA|ABWE|IBAN|BIC|COAM|OAMT)\+")
# Dutch (ABN AMRO, ING, Rabobank) "/CODE/value" layout.
SLASH_CODES = (
    "TRTP|EREF|PREF|KREF|MARF|CSID|RTRN|BENM|ORDP|NAME|ADDR|ISDT|REMI|IBAN|BIC|CNTP|"
    "ULTC|ULTD|ULTB|PURP|SVCL|EXCH|OCMT|CHGS|BUSP|RTYP"
)
_SLASH_START = re.compile(rf"\s*/({SLASH_CODES})/", re.ASCII)
_SLASH_CODE = re.compile(rf"/({SLASH_CODES})/", re.ASCII)
# Where a keyword's value goes among the entry's references (names as in camt).
REFERENCE_KEYS = {
    "EREF": "EndToEndId",
    "MREF": "MndtId",
    "MARF": "MndtId",
    "KREF": "customer_reference",
    "CRED": "CdtrSchmeId",
    "CSID": "CdtrSchmeId",
    "PREF": "PmtInfId",
}
_PURPOSE = frozenset({str(number) for number in (*range(20, 30), *range(60, 64))})
_WRAP_WIDTH = 65  # a line of 65 characters was cut by the bank, not ended
_PURPOSE_WIDTH = 27  # the same for a purpose subfield (?20–?29, ?60–?63)
# Identifiers that never hold a space: what follows one is other text.
_SINGLE_WORD_KEYS = frozenset({"MndtId", "CdtrSchmeId"})


def read_information(entry: Entry, fields: list[str], record: int) -> str | None:
    """Label, details and references of an entry from its field 86 (several fields 86 in
    a row, as Rabobank writes them, are one text). References the entry already has are
    kept. Returns a problem sentence when the text is structured but broken.

    The entry is filled in place: big files have many entries, and every intermediate
    object per entry shows in the time they take to read."""
    # Structured text is cut into lines anywhere: its lines are put back together as
    # they are. Free text is read line by line.
    subfields = _SUBFIELD_START.match(fields[0])
    if subfields is not None:
        text = "".join(fields).replace("\n", "")
        return _read_subfields(entry, text, subfields, record)
    if _SLASH_START.match(fields[0]):
        _read_slash_codes(entry, "".join(fields).replace("\n", ""), record)
    else:
        entry.label = _join_free_text([field.split("\n") for field in fields])
    return None


def _read_subfields(entry: Entry, text: str, start: re.Match[str], record: int) -> str | None:
    code, separator = start.group(1), start.group(2)
    pieces = _SUBFIELD_SPLIT[separator].split(text[start.end(2) - 1 :])
    details, problem = entry.details, None
    if code:
        details.append(EntryDetail(record, "transaction_code", code))
    values: dict[str, list[str]] = {}
    for qualifier, value in zip(pieces[1::2], pieces[2::2], strict=True):
        details.append(EntryDetail(record, qualifier, value))
        values.setdefault(qualifier, []).append(value)
        if separator in value:
            problem = (
                f"subfield {separator}{qualifier} holds a '{separator}' that starts no "
                "subfield; kept as text"
            )
    purpose = [chunk for key, chunks in values.items() if key in _PURPOSE for chunk in chunks]
    name = "".join(values.get("32", []) + values.get("33", []))
    posting_text = "".join(values.get("00", []))
    readable = _join_purpose(purpose)
    entry.label = " ".join(part.strip() for part in (posting_text, name, readable) if part.strip())
    _keyword_references(purpose, entry.references)
    return problem


def _join_purpose(chunks: list[str]) -> str:
    """The purpose for a person: a subfield filled to its 27 characters was cut by the
    bank and goes on in the next one; a shorter one ended a phrase."""
    text, previous = "", ""
    for chunk in chunks:
        ended = len(previous) < _PURPOSE_WIDTH and not previous.endswith(" ")
        if text and ended and not chunk.startswith(" "):
            text += " "
        text += chunk
        previous = chunk
    return text


def _keyword_references(purpose: list[str], references: dict[str, str]) -> None:
    """The SEPA keywords (EREF+…) of the purpose subfields. A keyword or its value may be
    cut anywhere by the end of a full subfield, so the subfields are put back together
    with nothing in between; a value ends with the first subfield that is not full."""
    text = "".join(chunk if len(chunk) >= _PURPOSE_WIDTH else chunk + "\0" for chunk in purpose)
    pieces = _SEPA_KEYWORD.split(text)
    for keyword, value in zip(pieces[1::2], pieces[2::2], strict=True):
        _add_reference(references, keyword, value.partition("\0")[0].strip())


def _add_reference(references: dict[str, str], keyword: str, value: str) -> None:
    key = REFERENCE_KEYS.get(keyword)
    if key in _SINGLE_WORD_KEYS:
        value = value.split(maxsplit=1)[0] if value else value
    if key and value and value not in NO_REFERENCE:
        references.setdefault(key, value)


def _read_slash_codes(entry: Entry, text: str, record: int) -> None:
    pieces = _SLASH_CODE.split(text.strip())
    details, references = entry.details, entry.references
    name = remittance = ""
    for code, value in zip(pieces[1::2], pieces[2::2], strict=True):
        value = value.strip()
        details.append(EntryDetail(record, code, value or None))
        if code == "NAME":
            name = name or value
        elif code == "REMI":
            remittance = remittance or value
        elif code in REFERENCE_KEYS:
            _add_reference(references, code, value)
    label = f"{name} {remittance}" if name and remittance else name or remittance
    entry.label = label or text.strip()


def _join_free_text(fields: list[list[str]]) -> str:
    """Free text: a line of 65 characters was wrapped by the bank and goes on in the next
    line as it is; a shorter one ended a phrase, so a space separates it from the next."""
    text = ""
    for lines in fields:
        for index, line in enumerate(lines):
            if not line.strip():
                continue
            cut = index > 0 and len(lines[index - 1]) >= _WRAP_WIDTH
            if cut and not lines[index - 1].endswith(" "):
                text += line
            else:
                text = f"{text.rstrip()} {line.strip()}" if text else line.strip()
    return text.strip()
