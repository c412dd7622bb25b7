"""camt entries (Ntry) and their transaction details (TxDtls) to the statement model.

Used by `camt.py`; docs/formats/camt.md explains each choice. In short:

- amount: Amt with its Ccy, exact to the currency's minor unit (trailing zeros beyond it are
  fine, other digits are an issue); the sign is CdtDbtInd's (credit > 0). RvslInd only sets
  `reversal`: ISO says CdtDbtInd already gives the direction of the reversing booking.
- status: Sts (a plain code in older versions) or Sts/Cd, Sts/Prtry (newer ones).
- dates: BookgDt and ValDt, Dt or DtTm; a DtTm keeps the day written in the file.
- bank transaction code: ISO Domn/Fmly/SubFmly as "PMNT/RCDT/ESCT", else Prtry/Cd.
- references: NtryRef and AcctSvcrRef of the entry, MsgId and PmtInfId of its batch, and
  when the entry has a single TxDtls, that detail's references too (the entry's own win).
- details: one EntryDetail per TxDtls, with its references, its amount (signed by its own
  CdtDbtInd, else the entry's) when in the entry's currency, and as text its unstructured
  remittance information, then creditor references, then the counterparty's name.
- label: AddtlNtryInf; else, for a single TxDtls, that detail's text; else empty.

A problem that leaves an entry without amount, sign, currency or a readable date is an issue
with the entry's line, and the entry is skipped; a problem in a detail only costs the detail
its amount.
"""

from __future__ import annotations

from datetime import date

from pointage.core.errors import InvalidInput
from pointage.core.money import to_minor
from pointage.formats.statements.camt_xml import Record
from pointage.formats.statements.model import Entry, EntryDetail, ParseIssue

# References of a transaction detail (TxDtls/Refs), in the schema's order.
TRANSACTION_REFERENCES = (
    "MsgId",
    "AcctSvcrRef",
    "PmtInfId",
    "InstrId",
    "EndToEndId",
    "UETR",
    "TxId",
    "MndtId",
    "ChqNb",
)
ENTRY_REFERENCES = ("NtryRef", "AcctSvcrRef")
BATCH_REFERENCES = ("MsgId", "PmtInfId")
# Banks write this where a reference is mandatory but the payer gave none.
NOT_PROVIDED = "NOTPROVIDED"
_SIGNS = {"CRDT": 1, "DBIT": -1}
_BOOKING_DATE = ("BookgDt/Dt", "BookgDt/DtTm")
_VALUE_DATE = ("ValDt/Dt", "ValDt/DtTm")
_ENTRY_PATHS = tuple((key, key) for key in ENTRY_REFERENCES)
# The batch block moved into NtryDtls after .001.01.
_BATCH_PATHS = tuple(
    (key, f"{prefix}{key}") for prefix in ("NtryDtls/Btch/", "Btch/") for key in BATCH_REFERENCES
)
_TRANSACTION_PATHS = tuple((key, f"Refs/{key}") for key in TRANSACTION_REFERENCES)
_PARTY_NAMES = {
    side: (
        f"RltdPties/{side}/Nm",
        f"RltdPties/{side}/Pty/Nm",
        f"RltdPties/{side}/Agt/FinInstnId/Nm",
    )
    for side in ("Dbtr", "Cdtr")
}


class EntryProblem(Exception):
    """Why an entry cannot be read; becomes an issue and the entry is skipped."""


class Days:
    """ISO dates and date-times to days, remembered: a file repeats the same few dates."""

    def __init__(self) -> None:
        self._known: dict[str, date] = {}

    def day(self, text: str, what: str) -> date:
        known = self._known.get(text)
        if known is not None:
            return known
        # xs:date may carry a time zone (2024-05-02+02:00), xs:dateTime a time: the day is
        # the first ten characters either way, as the bank wrote it.
        if len(text) > 10 and text[10] not in "T+-Z":
            raise EntryProblem(f"{what} {text!r} is not an ISO date")
        try:
            day = date.fromisoformat(text[:10])
        except ValueError:
            raise EntryProblem(f"{what} {text!r} is not an ISO date") from None
        if len(self._known) < 10_000:
            self._known[text] = day
        return day

    def optional(self, fields: dict[str, str], paths: tuple[str, str], what: str) -> date | None:
        """The day of a DateAndDateTimeChoice: `paths` are its Dt and its DtTm."""
        text = fields.get(paths[0]) or fields.get(paths[1])
        return None if text is None else self.day(text, what)


def amount_of(fields: dict[str, str], path: str, what: str) -> tuple[int, str]:
    """Unsigned minor units and currency of an amount element (Amt Ccy="EUR")."""
    text = fields.get(path)
    if text is None:
        raise EntryProblem(f"{what} has no amount ({path})")
    currency = fields.get(path + "@Ccy")
    if currency is None:
        raise EntryProblem(f"{what} amount {text} has no currency (Ccy)")
    if text.startswith(("-", "+")):
        raise EntryProblem(f"{what} amount {text!r} is signed; camt amounts never are")
    try:
        return to_minor(text, currency), currency
    except InvalidInput as error:
        raise EntryProblem(f"{what} amount: {error.message}") from None


def sign_of(fields: dict[str, str], what: str) -> int:
    indicator = fields.get("CdtDbtInd")
    sign = _SIGNS.get(indicator or "")
    if sign is None:
        raise EntryProblem(f"{what} has no credit/debit indicator CRDT or DBIT (CdtDbtInd)")
    return sign


def read_entry(record: Record, days: Days, issues: list[ParseIssue]) -> Entry | None:
    """The entry, or None after adding an issue naming its line."""
    fields = record.fields
    try:
        minor, currency = amount_of(fields, "Amt", "the entry")
        sign = sign_of(fields, "the entry")
        booking_date = days.optional(fields, _BOOKING_DATE, "booking date")
        value_date = days.optional(fields, _VALUE_DATE, "value date")
    except EntryProblem as problem:
        issues.append(ParseIssue(record.line, f"entry skipped: {problem}"))
        return None
    details = [
        _read_detail(child, sign, currency, issues)
        for child in record.children
        if child.tag == "TxDtls"
    ]
    references = _entry_references(fields, details)
    label = fields.get("AddtlNtryInf") or (details[0].text or "" if len(details) == 1 else "")
    return Entry(
        record=record.line,
        amount_minor=sign * minor,
        currency=currency,
        booking_date=booking_date,
        value_date=value_date,
        label=label,
        bank_operation_code=bank_transaction_code(fields),
        references=references,
        details=details,
        status=_status(fields),
        reversal=fields.get("RvslInd") in ("true", "1"),
    )


def bank_transaction_code(fields: dict[str, str]) -> str | None:
    domain = fields.get("BkTxCd/Domn/Cd")
    family = fields.get("BkTxCd/Domn/Fmly/Cd")
    sub_family = fields.get("BkTxCd/Domn/Fmly/SubFmlyCd")
    if domain and family and sub_family:
        return f"{domain}/{family}/{sub_family}"
    return fields.get("BkTxCd/Prtry/Cd")


def _status(fields: dict[str, str]) -> str | None:
    status = fields.get("Sts") or fields.get("Sts/Cd") or fields.get("Sts/Prtry")
    return status.upper() if status else None


def _entry_references(fields: dict[str, str], details: list[EntryDetail]) -> dict[str, str]:
    references = _references(fields, _ENTRY_PATHS)
    for key, value in _references(fields, _BATCH_PATHS).items():
        references.setdefault(key, value)
    if len(details) == 1:
        for key, value in details[0].references.items():
            references.setdefault(key, value)
    return references


def _references(fields: dict[str, str], paths: tuple[tuple[str, str], ...]) -> dict[str, str]:
    references = {}
    for key, path in paths:
        value = fields.get(path)
        if value and value != NOT_PROVIDED:
            references[key] = value
    return references


def _read_detail(
    record: Record, entry_sign: int, entry_currency: str, issues: list[ParseIssue]
) -> EntryDetail:
    fields = record.fields
    sign = entry_sign
    if fields.get("CdtDbtInd") is not None:
        try:
            sign = sign_of(fields, "the transaction detail")
        except EntryProblem as problem:
            issues.append(ParseIssue(record.line, f"{problem}; the entry's is used"))
    return EntryDetail(
        record=record.line,
        qualifier="TxDtls",
        text=_detail_text(record, sign) or None,
        amount_minor=_detail_amount(record, sign, entry_currency, issues),
        references=_references(fields, _TRANSACTION_PATHS),
    )


def _detail_amount(
    record: Record, sign: int, entry_currency: str, issues: list[ParseIssue]
) -> int | None:
    """The detail's own amount (Amt, from .001.03 on) or its transaction amount
    (AmtDtls/TxAmt), whichever is in the entry's currency: an amount in another currency
    cannot be compared with the entry and is left out."""
    fields = record.fields
    for path in ("Amt", "AmtDtls/TxAmt/Amt"):
        if fields.get(path + "@Ccy") != entry_currency:
            continue
        try:
            minor, _ = amount_of(fields, path, "the transaction detail")
        except EntryProblem as problem:
            issues.append(ParseIssue(record.line, f"{problem}; the detail has no amount"))
            return None
        return sign * minor
    return None


def _detail_text(record: Record, sign: int) -> str:
    """Remittance information first (what the payer wrote), then creditor references,
    then the counterparty: the debtor of a credit, the creditor of a debit."""
    parts = [
        " ".join(record.every("RmtInf/Ustrd")),
        " ".join(record.every("RmtInf/Strd/CdtrRefInf/Ref")),
    ]
    sides = ("Dbtr", "Cdtr") if sign > 0 else ("Cdtr", "Dbtr")
    names = (record.fields.get(path) for side in sides for path in _PARTY_NAMES[side])
    parts.append(next(filter(None, names), ""))
    return " / ".join(filter(None, parts))
