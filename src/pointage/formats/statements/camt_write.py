"""Writing statements as an ISO 20022 camt.053 message, version .001.02 or .001.08.

The demo's simulated bank sends the same days as CFONB 120 and as camt.053; this is the
camt.053 side. The output is UTF-8, indented one element per line (so the parser's line
numbers point somewhere readable), and follows the element order of the schema:

    Document/BkToCstmrStmt
      GrpHdr: MsgId, CreDtTm
      Stmt (one per statement): Id, CreDtTm, FrToDt, Acct (IBAN or Othr/Id, Ccy),
        Bal OPBD and CLBD, then one Ntry per entry:
          NtryRef, Amt Ccy, CdtDbtInd, RvslInd (only when true), Sts (plain code in .02,
          Sts/Cd in .08), BookgDt/Dt, ValDt/Dt, AcctSvcrRef,
          BkTxCd (Domn/Fmly/SubFmlyCd for "PMNT/RCDT/ESCT", else Prtry/Cd, issuer CFONB
          for a two-character CFONB code; empty when there is no code),
          NtryDtls: Btch (MsgId, PmtInfId) and one TxDtls per detail (Refs, amount, RmtInf/Ustrd),
          AddtlNtryInf = the label.

Reading the output with `camt.parse` gives back the statements it was written from (the
property tests check it), as long as they are within what camt can say. What it cannot say
is refused with `InvalidInput` rather than dropped: an account with neither IBAN nor account
number, an entry in another currency than its account, a text longer than the schema allows
or with characters XML cannot carry, a reference camt has no place for, UETR in .001.02…
See docs/formats/camt.md for the rules on references and details.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from xml.sax.saxutils import escape

from pointage.core.errors import InvalidInput
from pointage.core.money import format_amount, is_currency
from pointage.formats.statements.camt_entry import (
    BATCH_REFERENCES,
    ENTRY_REFERENCES,
    TRANSACTION_REFERENCES,
)
from pointage.formats.statements.model import (
    AccountId,
    Balance,
    Entry,
    EntryDetail,
    Statement,
    StatementKind,
)

VERSIONS = ("001.02", "001.08")
_NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:camt.053.{version}"
_ISO_CODE = re.compile(r"[A-Z0-9]{1,4}/[A-Z0-9]{1,4}/[A-Z0-9]{1,4}")
_CFONB_CODE = re.compile(r"[0-9A-Z]{2}")
_IBAN = re.compile(r"[A-Z]{2}[0-9]{2}[a-zA-Z0-9]{1,30}")
# Characters XML 1.0 cannot carry, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_STATUSES = {"001.02": {"BOOK", "PDNG", "INFO"}, "001.08": {"BOOK", "PDNG", "INFO", "FUTR"}}
_USTRD_LENGTH = 140
_DETAIL_ONLY_REFERENCES = frozenset(TRANSACTION_REFERENCES) - set(ENTRY_REFERENCES)


def write_camt053(
    statements: Sequence[Statement],
    *,
    version: str = "001.02",
    message_id: str,
    created_at: datetime,
) -> bytes:
    """One camt.053 message holding `statements`, in the given version."""
    if version not in VERSIONS:
        raise InvalidInput(
            f"camt.053 version {version!r} cannot be written; choose one of {', '.join(VERSIONS)}",
            param="version",
        )
    if not statements:
        raise InvalidInput("a camt.053 message holds at least one statement")
    writer = _Writer(version, created_at.isoformat(timespec="seconds"))
    writer.open(f'Document xmlns="{_NAMESPACE.format(version=version)}"')
    writer.open("BkToCstmrStmt")
    writer.open("GrpHdr")
    writer.leaf("MsgId", _text(message_id, 35, "message id"))
    writer.leaf("CreDtTm", writer.created_at)
    writer.close("GrpHdr")
    for number, statement in enumerate(statements, start=1):
        identifier = statement.identifier or _generated_id(message_id, number)
        writer.statement(statement, identifier)
    writer.close("BkToCstmrStmt")
    writer.close("Document")
    return writer.getvalue()


class _Writer:
    def __init__(self, version: str, created_at: str) -> None:
        self.version = version
        self.created_at = created_at
        self._lines = ['<?xml version="1.0" encoding="UTF-8"?>']
        self._indent = ""

    def open(self, tag: str) -> None:
        self._lines.append(f"{self._indent}<{tag}>")
        self._indent += "  "

    def close(self, tag: str) -> None:
        self._indent = self._indent[:-2]
        self._lines.append(f"{self._indent}</{tag}>")

    def leaf(self, tag: str, text: str, attributes: str = "") -> None:
        """`text` is already checked and escaped."""
        self._lines.append(f"{self._indent}<{tag}{attributes}>{text}</{tag}>")

    def getvalue(self) -> bytes:
        self._lines.append("")
        return "\n".join(self._lines).encode("utf-8")

    def statement(self, statement: Statement, identifier: str) -> None:
        if statement.kind is not StatementKind.STATEMENT:
            raise InvalidInput(
                f"statement {identifier} is a {statement.kind}: camt.053 carries booked "
                "statements only"
            )
        currency = _account_currency(statement.account, identifier)
        self.open("Stmt")
        self.leaf("Id", _text(identifier, 35, "statement id"))
        self.leaf("CreDtTm", self.created_at)
        self._period(statement, identifier)
        self._account(statement.account, currency, identifier)
        balances = {"OPBD": statement.opening_balance, "CLBD": statement.closing_balance}
        if all(balance is None for balance in balances.values()):
            raise InvalidInput(f"statement {identifier} has no balance; camt.053 needs one")
        for code, balance in balances.items():
            if balance is not None:
                self._balance(code, balance, currency, identifier)
        for entry in statement.entries:
            self._entry(entry, currency, identifier)
        self.close("Stmt")

    def _period(self, statement: Statement, identifier: str) -> None:
        if statement.from_date is None and statement.to_date is None:
            return
        if statement.from_date is None or statement.to_date is None:
            raise InvalidInput(
                f"statement {identifier} has only one of its period dates; camt.053 "
                "needs both or neither"
            )
        self.open("FrToDt")
        self.leaf("FrDtTm", f"{statement.from_date.isoformat()}T00:00:00")
        self.leaf("ToDtTm", f"{statement.to_date.isoformat()}T23:59:59")
        self.close("FrToDt")

    def _account(self, account: AccountId, currency: str, identifier: str) -> None:
        self.open("Acct")
        self.open("Id")
        if account.iban:
            if not _IBAN.fullmatch(account.iban):
                raise InvalidInput(f"statement {identifier}: {account.iban!r} is not an IBAN")
            self.leaf("IBAN", account.iban)
        elif account.account_number and not (account.bank_code or account.branch_code):
            self.open("Othr")
            self.leaf("Id", _text(account.account_number, 34, "account number"))
            self.close("Othr")
        else:
            raise InvalidInput(
                f"statement {identifier}: the account needs an IBAN (or, for an account "
                "named by a number alone, that number) to be written in camt.053"
            )
        self.close("Id")
        self.leaf("Ccy", currency)
        self.close("Acct")

    def _balance(self, code: str, balance: Balance, currency: str, identifier: str) -> None:
        if balance.date is None:
            raise InvalidInput(f"statement {identifier}: the {code} balance has no date")
        self.open("Bal")
        self.open("Tp")
        self.open("CdOrPrtry")
        self.leaf("Cd", code)
        self.close("CdOrPrtry")
        self.close("Tp")
        self._amount("Amt", balance.amount_minor, currency)
        self.leaf("CdtDbtInd", "DBIT" if balance.amount_minor < 0 else "CRDT")
        self._day("Dt", balance.date)
        self.close("Bal")

    def _amount(self, tag: str, minor: int, currency: str) -> None:
        self.leaf(tag, format_amount(abs(minor), currency), f' Ccy="{currency}"')

    def _day(self, tag: str, day: date) -> None:
        self.open(tag)
        self.leaf("Dt", day.isoformat())
        self.close(tag)

    def _entry(self, entry: Entry, currency: str, identifier: str) -> None:
        where = f"statement {identifier}, entry {entry.label or entry.record}"
        if entry.currency != currency:
            raise InvalidInput(f"{where}: in {entry.currency} on an account in {currency}")
        batch, transactions = _split_references(entry, where)
        self.open("Ntry")
        if "NtryRef" in entry.references:
            self.leaf("NtryRef", _text(entry.references["NtryRef"], 35, f"{where}: NtryRef"))
        self._amount("Amt", entry.amount_minor, currency)
        self.leaf("CdtDbtInd", "DBIT" if entry.amount_minor < 0 else "CRDT")
        if entry.reversal:
            self.leaf("RvslInd", "true")
        self._status(entry.status or "BOOK", where)
        if entry.booking_date is not None:
            self._day("BookgDt", entry.booking_date)
        if entry.value_date is not None:
            self._day("ValDt", entry.value_date)
        if "AcctSvcrRef" in entry.references:
            text = _text(entry.references["AcctSvcrRef"], 35, f"{where}: AcctSvcrRef")
            self.leaf("AcctSvcrRef", text)
        self._bank_transaction_code(entry.bank_operation_code, where)
        self._entry_details(entry, batch, transactions, where)
        if entry.label:
            self.leaf("AddtlNtryInf", _text(entry.label, 500, f"{where}: label"))
        self.close("Ntry")

    def _status(self, status: str, where: str) -> None:
        if status not in _STATUSES[self.version]:
            allowed = ", ".join(sorted(_STATUSES[self.version]))
            raise InvalidInput(f"{where}: status {status!r} is not one of {allowed}")
        if self.version == "001.02":
            self.leaf("Sts", status)
        else:
            self.open("Sts")
            self.leaf("Cd", status)
            self.close("Sts")

    def _bank_transaction_code(self, code: str | None, where: str) -> None:
        if not code:
            self._lines.append(f"{self._indent}<BkTxCd/>")
            return
        self.open("BkTxCd")
        if _ISO_CODE.fullmatch(code):
            domain, family, sub_family = code.split("/")
            self.open("Domn")
            self.leaf("Cd", domain)
            self.open("Fmly")
            self.leaf("Cd", family)
            self.leaf("SubFmlyCd", sub_family)
            self.close("Fmly")
            self.close("Domn")
        else:
            self.open("Prtry")
            self.leaf("Cd", _text(code, 35, f"{where}: bank transaction code"))
            if _CFONB_CODE.fullmatch(code):
                self.leaf("Issr", "CFONB")
            self.close("Prtry")
        self.close("BkTxCd")

    def _entry_details(
        self, entry: Entry, batch: dict[str, str], transactions: dict[str, str], where: str
    ) -> None:
        details = list(entry.details)
        if transactions and not details:
            # References of a single transaction with no detail to hold them: one TxDtls.
            details = [EntryDetail(record=entry.record, references=transactions)]
        elif transactions:
            details[0] = EntryDetail(
                record=details[0].record,
                qualifier=details[0].qualifier,
                text=details[0].text,
                amount_minor=details[0].amount_minor,
                references={**transactions, **details[0].references},
            )
        if not batch and not details:
            return
        self.open("NtryDtls")
        if batch:
            self.open("Btch")
            for key in BATCH_REFERENCES:
                if key in batch:
                    self.leaf(key, _text(batch[key], 35, f"{where}: batch {key}"))
            self.close("Btch")
        for detail in details:
            self._transaction(detail, entry, where)
        self.close("NtryDtls")

    def _transaction(self, detail: EntryDetail, entry: Entry, where: str) -> None:
        unknown = set(detail.references) - set(TRANSACTION_REFERENCES)
        if self.version == "001.02" and "UETR" in detail.references:
            unknown.add("UETR (only from camt.053.001.08 on)")
        if unknown:
            raise InvalidInput(
                f"{where}: camt.053 has no place for the detail reference(s) "
                f"{', '.join(sorted(unknown))}"
            )
        self.open("TxDtls")
        if detail.references:
            self.open("Refs")
            for key in TRANSACTION_REFERENCES:
                if key in detail.references:
                    self.leaf(key, _text(detail.references[key], 35, f"{where}: {key}"))
            self.close("Refs")
        if detail.amount_minor is not None:
            self._detail_amount(detail.amount_minor, entry, where)
        if detail.text:
            self.open("RmtInf")
            for chunk in _ustrd_chunks(detail.text):
                self.leaf("Ustrd", _text(chunk, _USTRD_LENGTH, f"{where}: detail text"))
            self.close("RmtInf")
        self.close("TxDtls")

    def _detail_amount(self, minor: int, entry: Entry, where: str) -> None:
        if self.version == "001.08":
            self._amount("Amt", minor, entry.currency)
            self.leaf("CdtDbtInd", "DBIT" if minor < 0 else "CRDT")
            return
        # .001.02 has no sign on a transaction detail: it is the entry's.
        if minor and (minor < 0) != (entry.amount_minor < 0):
            raise InvalidInput(
                f"{where}: a detail amount of the opposite sign to its entry cannot be "
                "written in camt.053.001.02"
            )
        self.open("AmtDtls")
        self.open("TxAmt")
        self._amount("Amt", minor, entry.currency)
        self.close("TxAmt")
        self.close("AmtDtls")


def _split_references(entry: Entry, where: str) -> tuple[dict[str, str], dict[str, str]]:
    """The entry's references that go into Btch, and those that go into its single TxDtls.

    NtryRef and AcctSvcrRef are written on the entry itself. MsgId and PmtInfId go into the
    batch block unless the entry's one detail already says the same. The other transaction
    references need a TxDtls: the entry's single detail, or a new one when it has none.
    """
    single = entry.details[0].references if len(entry.details) == 1 else {}
    batch: dict[str, str] = {}
    transactions: dict[str, str] = {}
    for key, value in entry.references.items():
        if key in ENTRY_REFERENCES or single.get(key) == value:
            continue
        if key in BATCH_REFERENCES:
            batch[key] = value
        elif key not in _DETAIL_ONLY_REFERENCES:
            raise InvalidInput(f"{where}: camt.053 has no place for the reference {key}")
        elif len(entry.details) > 1 or key in single:
            raise InvalidInput(f"{where}: {key}={value!r} on the entry is not its detail's")
        else:
            transactions[key] = value
    return batch, transactions


def _ustrd_chunks(text: str) -> list[str]:
    """Unstructured remittance information is 140 characters a line: cut at spaces (the
    parser joins the lines with one space), or inside a word longer than a line."""
    chunks: list[str] = []
    current = ""
    for word in text.split(" "):
        while len(word) > _USTRD_LENGTH:
            if current:
                chunks.append(current)
                current = ""
            chunks.append(word[:_USTRD_LENGTH])
            word = word[_USTRD_LENGTH:]
        if not current:
            current = word
        elif len(current) + 1 + len(word) <= _USTRD_LENGTH:
            current = f"{current} {word}"
        else:
            chunks.append(current)
            current = word
    if current:
        chunks.append(current)
    return chunks


def _text(value: str, max_length: int, what: str) -> str:
    """`value` checked against the schema's length and XML's characters, then escaped."""
    if not value:
        raise InvalidInput(f"{what} is empty")
    if len(value) > max_length:
        raise InvalidInput(f"{what} {value[:40]!r}… is longer than {max_length} characters")
    bad = _NOT_XML.search(value)
    if bad is not None:
        raise InvalidInput(f"{what} contains the character {bad.group()!r}, which XML cannot carry")
    return escape(value, {"\r": "&#13;"})


def _account_currency(account: AccountId, identifier: str) -> str:
    if not account.currency or not is_currency(account.currency):
        raise InvalidInput(
            f"statement {identifier}: the account needs an ISO 4217 currency, "
            f"not {account.currency!r}"
        )
    return account.currency


def _generated_id(message_id: str, number: int) -> str:
    suffix = f"-{number}"
    return f"{message_id[: 35 - len(suffix)]}{suffix}"
