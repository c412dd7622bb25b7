"""Writing CFONB 120 statements: what the demo bank sends, and what round-trip tests read back.

Each statement becomes an 01 (ancien solde), one 04 per entry followed by one 05 per detail
(its qualifier in positions 46–48, its text in 49–118), and an 07 (nouveau solde); records
are separated by CRLF and encoded in latin-1. Amounts are written with the decimals of their
currency (EUR 2, JPY 0, TND 3).

What the layout cannot carry is either adapted or refused:

- the label keeps its first 31 characters (the zone's width); control characters in any
  text become spaces and characters outside latin-1 become '?';
- references with a zone in the 04 record are written there (`entry_number` 82–88,
  `reference` 105–120, `internal_code` 8–11, `rejection_code` 41–42,
  `commission_exemption` 89, `unavailability` 90); other references (camt or OFX ones) have
  no place in CFONB 120 and are not written, nor are a detail's amount and references,
  the statement's identifier and dates, entries' status and reversal mark;
- refused with `InvalidInput`: a statement without both balances or a balance without a
  date, an account without bank code, branch code and account number (a French IBAN gives
  them), an unknown currency, an amount of more than 14 digits, a date outside 1969–2068,
  a reference or operation code longer than its zone, a detail text longer than 70
  characters or a qualifier that is not three capital letters or digits.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from itertools import chain

from pointage.core.errors import InvalidAmount, InvalidInput
from pointage.core.money import EXPONENTS
from pointage.formats.statements.cfonb120_fields import NEGATIVE_SIGNS, POSITIVE_SIGNS
from pointage.formats.statements.model import Balance, Entry, Statement

LABEL_WIDTH = 31
DETAIL_WIDTH = 70
_MAX_AMOUNT = 10**14  # 14 digits, the last one carrying the sign
_CONTROLS = {code: " " for code in chain(range(0x20), range(0x7F, 0xA0))}
_DIGITS = re.compile(r"[0-9]{5}")
_ACCOUNT = re.compile(r"[0-9A-Za-z]{1,11}")
_QUALIFIER = re.compile(r"[A-Z0-9]{3}")
_FRENCH_IBAN = re.compile(r"FR[0-9]{2}([0-9]{5})([0-9]{5})([0-9A-Z]{11})[0-9]{2}")
# Reference name -> width of its zone in the 04 record.
_REFERENCE_WIDTHS = {
    "internal_code": 4,
    "rejection_code": 2,
    "entry_number": 7,
    "commission_exemption": 1,
    "unavailability": 1,
    "reference": 16,
}


def write(statements: Sequence[Statement]) -> bytes:
    """The CFONB 120 file of these statements. Raises InvalidInput for what it cannot hold."""
    writer = _Writer()
    for index, statement in enumerate(statements, 1):
        writer.statement(statement, f"statement {index}")
    writer.lines.append("")
    return "\r\n".join(writer.lines).encode("latin-1", errors="replace")


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.dates: dict[date | None, str] = {}  # None: never found, so refused
        self.qualifiers: set[str | None] = {None}

    def statement(self, statement: Statement, where: str) -> None:
        bank, branch, number = _account_zones(statement, where)
        currency = _currency(statement.account.currency or _first_currency(statement), where)
        account = f"{currency}{EXPONENTS[currency]} {number:<11}"
        self.lines.append(self.balance("01", bank, branch, account, statement.opening_balance,
                                       f"{where}: the opening balance"))  # fmt: skip
        for position, entry in enumerate(statement.entries, 1):
            self.movement(entry, bank, branch, account, currency, (where, position))
        self.lines.append(self.balance("07", bank, branch, account, statement.closing_balance,
                                       f"{where}: the closing balance"))  # fmt: skip

    def balance(
        self, code: str, bank: str, branch: str, account: str, balance: Balance | None, what: str
    ) -> str:
        if balance is None or balance.date is None:
            raise InvalidInput(f"{what} is missing or has no date; CFONB 120 needs both")
        amount = _amount(balance.amount_minor, what)
        day = self.date(balance.date, what)
        return f"{code}{bank}    {branch}{account}  {day}{'':50}{amount}{'':16}"

    def movement(
        self,
        entry: Entry,
        bank: str,
        branch: str,
        account: str,
        currency: str,
        at: tuple[str, int],
    ) -> None:
        """The 04 record and the 05 of each detail. Written for speed (the demo writes a
        million of them): checks cost nothing on ordinary entries."""
        if entry.currency != currency:
            other = _currency(entry.currency, _where(at))
            account = f"{other}{EXPONENTS[other]}{account[4:]}"
        dates = self.dates
        booked = dates.get(entry.booking_date) or self.date(entry.booking_date, _where(at))
        valued = dates.get(entry.value_date) or self.date(entry.value_date, _where(at))
        code = entry.bank_operation_code or ""
        if len(code) > 2 or not code.isprintable():
            code = _fit(code, 2, _where(at), "the operation code")
        references = entry.references
        for name, value in references.items():
            width = _REFERENCE_WIDTHS.get(name)
            if width is not None and (len(value) > width or not value.isprintable()):
                references = _checked_references(references, _where(at))
                break
        zone = references.get
        label = entry.label if entry.label.isprintable() else entry.label.translate(_CONTROLS)
        head = f"{bank}{zone('internal_code', ''):<4}{branch}{account}{code:<2}{booked}"
        self.lines.append(
            f"04{head}{zone('rejection_code', ''):<2}{valued}{label[:LABEL_WIDTH]:<31}  "
            f"{zone('entry_number', ''):<7}{zone('commission_exemption', ''):<1}"
            f"{zone('unavailability', ''):<1}{_amount(entry.amount_minor, at)}"
            f"{zone('reference', ''):<16}"
        )
        for detail in entry.details:
            qualifier, text = detail.qualifier, detail.text or ""
            if qualifier not in self.qualifiers:
                self.check_qualifier(qualifier, at)
            if len(text) > DETAIL_WIDTH or not text.isprintable():
                text = _fit(text, DETAIL_WIDTH, _where(at), "detail text")
            self.lines.append(f"05{head}     {qualifier or '':<3}{text:<70}  ")

    def check_qualifier(self, qualifier: str | None, at: tuple[str, int]) -> None:
        if not isinstance(qualifier, str) or not _QUALIFIER.fullmatch(qualifier):
            raise InvalidInput(
                f"{_where(at)}: detail qualifier {qualifier!r} is not three capital letters "
                "or digits"
            )
        self.qualifiers.add(qualifier)

    def date(self, day: date | None, where: str) -> str:
        if day is None:
            raise InvalidInput(f"{where} needs a booking date and a value date")
        text = self.dates.get(day)
        if text is None:
            if not 1969 <= day.year <= 2068:
                raise InvalidInput(f"{where}: CFONB 120 dates (JJMMAA) cover 1969–2068, not {day}")
            text = self.dates[day] = day.strftime("%d%m%y")
        return text


def _where(at: tuple[str, int]) -> str:
    return f"{at[0]}, entry {at[1]}"


def _account_zones(statement: Statement, where: str) -> tuple[str, str, str]:
    """Bank code, branch code and account number; from the French IBAN when not given."""
    account = statement.account
    bank, branch, number = account.bank_code, account.branch_code, account.account_number
    if not (bank and branch and number):
        iban = (account.iban or "").replace(" ", "").upper()
        match = _FRENCH_IBAN.fullmatch(iban)
        if match is None:
            raise InvalidInput(
                f"{where}: CFONB 120 needs the account's bank code, branch code and account "
                "number, or a French IBAN to take them from"
            )
        bank, branch, number = match.groups()
    if not (_DIGITS.fullmatch(bank) and _DIGITS.fullmatch(branch)):
        raise InvalidInput(f"{where}: bank and branch codes are 5 digits, not {bank!r} {branch!r}")
    if not _ACCOUNT.fullmatch(number):
        raise InvalidInput(f"{where}: account number {number!r} is not 1 to 11 letters or digits")
    return bank, branch, number


def _first_currency(statement: Statement) -> str | None:
    return statement.entries[0].currency if statement.entries else None


def _currency(currency: str | None, where: str) -> str:
    if currency is None or currency not in EXPONENTS or EXPONENTS[currency] > 9:
        raise InvalidInput(f"{where}: currency {currency!r} is not an ISO 4217 code")
    return currency


def _amount(minor: int, at: str | tuple[str, int]) -> str:
    magnitude = abs(minor)
    if magnitude >= _MAX_AMOUNT:
        where = at if isinstance(at, str) else _where(at)
        raise InvalidAmount(f"{where}: amount {minor} (minor units) has more than 14 digits")
    tens, last = divmod(magnitude, 10)
    return f"{tens:013d}{(NEGATIVE_SIGNS if minor < 0 else POSITIVE_SIGNS)[last]}"


def _text(text: str) -> str:
    return text if text.isprintable() else text.translate(_CONTROLS)


def _fit(value: str, width: int, where: str, what: str) -> str:
    value = _text(value)
    if len(value) > width:
        raise InvalidInput(f"{where}: {what} {value!r} is longer than its {width} characters")
    return value


def _checked_references(references: dict[str, str], where: str) -> dict[str, str]:
    """References with control characters made spaces; one too long for its zone refused."""
    return {
        name: _fit(value, _REFERENCE_WIDTHS[name], where, f"reference {name!r}")
        for name, value in references.items()
        if name in _REFERENCE_WIDTHS
    }
