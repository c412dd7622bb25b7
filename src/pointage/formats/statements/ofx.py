"""OFX bank and credit-card statements (OFX 1.x SGML and OFX 2.x XML): the parser.

`ofx_tags` reads the header, the text and the tree of tags (both versions, safely); this
module maps the tree onto statements. Every STMTRS (bank account) and CCSTMTRS (credit card)
becomes a statement and each of its STMTTRN an entry; docs/formats/ofx.md has the table.

OFX gives the closing balance (LEDGERBAL) but no opening balance, so an OFX statement is not
checked for adding up, only for continuity with the account's previous statement. Records are
the 1-based line of an element's start tag (its ordinal when the body is one line).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from functools import lru_cache

from pointage.core.cards import mask_pan
from pointage.core.errors import InvalidAmount
from pointage.core.gc_pause import cycle_collection_paused
from pointage.core.money import exponent, is_currency, to_minor
from pointage.formats.statements.model import (
    AccountId,
    Balance,
    Entry,
    EntryDetail,
    ParseIssue,
    ParseOptions,
    ParseResult,
    Statement,
    StatementFormat,
)
from pointage.formats.statements.ofx_tags import Node, read_document

_AMOUNT = re.compile(r"[+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)")
_DATE = re.compile(r"[0-9]{8}")
_IBAN_SHAPE = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}")
_CARD_NUMBER = re.compile(r"[0-9]{12,19}")
_STATEMENTS = {"STMTRS": "BANKACCTFROM", "CCSTMTRS": "CCACCTFROM"}
# Kept in Entry.references under their OFX names.
_REFERENCE_LEAVES = (
    "FITID",
    "CHECKNUM",
    "REFNUM",
    "SRVRTID",
    "PAYEEID",
    "SIC",
    "CORRECTFITID",
    "CORRECTACTION",
)


def parse(data: bytes, options: ParseOptions) -> ParseResult:
    """Read an OFX file. Raises `StatementFileError` only when it cannot be read at all."""
    issues: list[ParseIssue] = []
    with cycle_collection_paused(keep_result=False):
        version, root = read_document(data, issues)
        statements = [_statement(node, issues) for node in _walk(root, issues)]
    return ParseResult(StatementFormat.OFX, statements, issues, version=version)


def _walk(root: Node, issues: list[ParseIssue]) -> Iterator[Node]:
    """The statement aggregates in file order; bank status errors on the way are issues."""
    to_visit = [root]
    while to_visit:
        node = to_visit.pop()
        if node.name in _STATEMENTS:
            yield node
            continue
        if node.name == "STATUS" and node.text("CODE") not in ("", "0"):
            message = node.text("MESSAGE")
            issues.append(
                ParseIssue(
                    node.record,
                    f"the bank reports status {node.text('CODE')} ({node.text('SEVERITY')})"
                    + (f": {message}" if message else ""),
                )
            )
        elif node.name == "INVSTMTRS":
            issues.append(ParseIssue(node.record, "investment statements are not read"))
        to_visit.extend(reversed(node.children))


# --- statements and entries ------------------------------------------------------------


def _statement(node: Node, issues: list[ParseIssue]) -> Statement:
    currency = _currency(node, "CURDEF", issues)
    account = _account(node, currency)
    statement = Statement(node.record, account, opening_balance=None, closing_balance=None)
    transactions = node.child("BANKTRANLIST")
    if transactions is not None:
        statement.from_date = _optional_date(transactions, "DTSTART", issues)
        statement.to_date = _optional_date(transactions, "DTEND", issues)
        seen: dict[str, int] = {}
        for child in transactions.children:
            if child.name == "STMTTRN":
                entry = _entry(child, currency, issues)
                if entry is not None:
                    _check_unique(entry, seen, issues)
                    statement.entries.append(entry)
    ledger = node.child("LEDGERBAL")
    if ledger is not None:
        statement.closing_balance = _balance(ledger, currency, issues)
    return statement


def _account(node: Node, currency: str | None) -> AccountId:
    source = node.child(_STATEMENTS[node.name])
    if source is None:
        return AccountId(currency=currency)
    number = source.text("ACCTID") or None
    if number and node.name == "CCSTMTRS" and _CARD_NUMBER.fullmatch(number.replace(" ", "")):
        number = mask_pan(number)  # a full card number is never kept
    return AccountId(
        iban=_iban(number),
        bank_code=source.text("BANKID") or None,
        branch_code=source.text("BRANCHID") or None,
        account_number=number,
        currency=currency,
    )


def _iban(number: str | None) -> str | None:
    compact = number.replace(" ", "").upper() if number else ""
    if not _IBAN_SHAPE.fullmatch(compact):
        return None
    from schwifty import IBAN  # imported here: most OFX files name no IBAN at all
    from schwifty.exceptions import SchwiftyException

    try:
        return str(IBAN(compact).compact)
    except SchwiftyException:
        return None


def _entry(node: Node, default_currency: str | None, issues: list[ParseIssue]) -> Entry | None:
    problems: list[str] = []
    currency = _currency(node.child("CURRENCY"), "CURSYM", issues) or default_currency
    posted = _date(node, "DTPOSTED", problems)
    amount = _amount(node, "TRNAMT", currency, problems)
    if posted is None or amount is None or currency is None:
        fitid = node.text("FITID")
        which = f"transaction {fitid}" if fitid else "transaction"
        issues.append(ParseIssue(node.record, f"{which}: {'; '.join(problems)}; skipped"))
        return None
    # The date funds are available is the date de valeur; VALUEDATE is some banks' own
    # element for it; the posting date stands in when the file gives neither.
    value_date = (
        _optional_date(node, "DTAVAIL", issues)
        or _optional_date(node, "VALUEDATE", issues)
        or posted
    )
    leaves = node.leaves
    return Entry(
        record=node.record,
        amount_minor=amount,
        currency=currency,
        booking_date=posted,
        value_date=value_date,
        label=_label(node),
        bank_operation_code=node.text("TRNTYPE").upper() or None,
        references={
            key: leaf[0] for key in _REFERENCE_LEAVES if (leaf := leaves.get(key)) and leaf[0]
        },
        details=_details(node),
    )


def _label(node: Node) -> str:
    """NAME (or PAYEE's NAME) and MEMO: one of them when it contains the other (banks cut
    NAME at 32 characters and repeat it in MEMO), both otherwise."""
    payee = node.child("PAYEE")
    name = node.text("NAME") or node.text("EXTDNAME") or (payee.text("NAME") if payee else "")
    memo = node.text("MEMO")
    if name in memo:
        return memo
    if memo in name:
        return name
    return f"{name} {memo}"


def _details(node: Node) -> list[EntryDetail]:
    details = []
    for qualifier in ("MEMO", "DTUSER"):
        leaf = node.leaves.get(qualifier)
        if leaf and leaf[0]:
            details.append(EntryDetail(leaf[1], qualifier=qualifier, text=leaf[0]))
    original = node.child("ORIGCURRENCY")
    if original is not None and original.text("CURSYM"):
        rate = original.text("CURRATE")
        text = original.text("CURSYM") + (f" at rate {rate}" if rate else "")
        details.append(EntryDetail(original.record, qualifier="ORIGCURRENCY", text=text))
    return details


def _check_unique(entry: Entry, seen: dict[str, int], issues: list[ParseIssue]) -> None:
    fitid = entry.references.get("FITID")
    if not fitid:
        return
    if fitid in seen:
        issues.append(
            ParseIssue(
                entry.record,
                f"FITID {fitid} was already given to the transaction at record {seen[fitid]}:"
                " the import takes transactions with the same FITID for the same movement",
            )
        )
    else:
        seen[fitid] = entry.record


def _balance(node: Node, currency: str | None, issues: list[ParseIssue]) -> Balance | None:
    problems: list[str] = []
    amount = _amount(node, "BALAMT", currency, problems)
    if amount is None:
        issues.append(
            ParseIssue(node.record, f"LEDGERBAL: {'; '.join(problems)}; no closing balance")
        )
        return None
    return Balance(amount, _optional_date(node, "DTASOF", issues))


# --- fields ----------------------------------------------------------------------------


def _currency(node: Node | None, name: str, issues: list[ParseIssue]) -> str | None:
    code = node.text(name).upper() if node else ""
    if node is None or not code:
        return None
    if is_currency(code):
        return code
    issues.append(ParseIssue(node.record, f"{name} {code!r} is not an ISO 4217 currency"))
    return None


def _date(node: Node, name: str, problems: list[str]) -> date | None:
    """The date part of an OFX date-time (YYYYMMDD[HHMMSS[.XXX]][[±h:TZ]]) as written: a
    bank dates a movement in its own time zone, and converting would move it a day."""
    value = node.text(name)
    day = _day(value[:8])
    if day is None:
        problems.append(f"{name} {value!r} is not a date" if value else _absent(node, name))
    return day


@lru_cache(maxsize=4096)  # a statement has few distinct days and many transactions
def _day(digits: str) -> date | None:
    if not _DATE.fullmatch(digits):
        return None
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return None


def _optional_date(node: Node, name: str, issues: list[ParseIssue]) -> date | None:
    if not node.text(name):
        return None
    problems: list[str] = []
    day = _date(node, name, problems)
    issues.extend(ParseIssue(node.leaves[name][1], problem) for problem in problems)
    return day


def _amount(node: Node, name: str, currency: str | None, problems: list[str]) -> int | None:
    """A signed OFX amount, "." or "," before the decimals, as exact minor units."""
    value = node.text(name)
    if not _AMOUNT.fullmatch(value):
        problems.append(f"{name} {value!r} is not an amount" if value else _absent(node, name))
        return None
    if currency is None:
        problems.append(f"{name} has no currency (CURDEF is missing and no CURRENCY is given)")
        return None
    try:
        return _minor(value.replace(",", "."), currency)
    except InvalidAmount as error:
        problems.append(f"{name}: {error}")
        return None


def _absent(node: Node, name: str) -> str:
    return f"{name} is empty" if name in node.leaves else f"{name} is missing"


def _minor(amount: str, currency: str) -> int:
    """Exact minor units of a checked amount ("-12.5", "+.75", "3."): a plain one by
    integer arithmetic on its digits, anything else (more decimals than the currency has,
    many digits) by `to_minor`, which refuses what it must."""
    digits = exponent(currency)
    whole, _, fraction = amount.lstrip("+-").partition(".")
    if len(fraction) > digits or len(whole) > 15:
        return to_minor(amount, currency)
    scale: int = 10**digits
    minor = int(whole or "0") * scale + int(fraction.ljust(digits, "0") or "0")
    return -minor if amount.startswith("-") else minor
