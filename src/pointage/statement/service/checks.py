"""What must hold before a bank file is imported, checked over the whole file at once.

Every statement's account must be known (and, when a merchant is given, be one of its
accounts), all of one merchant, in the currency of its entries; every booked statement must
add up unless someone accepts that it does not, with a reason. Every problem found is
listed, so that one refusal tells everything to fix.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pointage.core.errors import FileRejected
from pointage.formats.statements.checks import (
    balance_difference,
    format_amount,
    movements_total,
    statement_name,
)
from pointage.formats.statements.model import ParseResult, Statement
from pointage.shop.models import BankAccount
from pointage.statement.service.accounts import AccountResolver, written_account

MAX_PROBLEMS = 100


@dataclass
class CheckedFile:
    """The file's statements with their accounts, once every check passed."""

    merchant_id: int
    accounts: list[BankAccount]  # one per statement, in file order
    differences: list[int | None]  # balance_difference per statement
    unbalanced: list[str] = field(default_factory=list)  # accepted: what did not add up


class _Problems:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, record: int | None, message: str) -> None:
        if len(self.lines) < MAX_PROBLEMS:
            self.lines.append(f"record {record}: {message}" if record is not None else message)

    def raise_if_any(self, filename: str) -> None:
        if self.lines:
            more = " (the first ones)" if len(self.lines) >= MAX_PROBLEMS else ""
            raise FileRejected(
                f"{filename} refused, nothing imported: {len(self.lines)} problems{more}",
                self.lines,
            )


def check_file(
    result: ParseResult,
    resolver: AccountResolver,
    filename: str,
    accept_unbalanced: bool,
) -> CheckedFile:
    """The checked file, or FileRejected listing every problem."""
    problems = _Problems()
    if not result.statements:
        problems.add(None, "the file holds no statement")
        problems.raise_if_any(filename)
    accounts = _accounts(result.statements, resolver, problems)
    merchants = {account.merchant_id for account in accounts if account is not None}
    if len(merchants) > 1:
        problems.add(None, "the file names bank accounts of several merchants")
    for statement, account in zip(result.statements, accounts, strict=True):
        if account is not None:
            _currencies(statement, account, problems)
    differences = [balance_difference(statement) for statement in result.statements]
    unbalanced: list[str] = []
    for statement, account, difference in zip(
        result.statements, accounts, differences, strict=True
    ):
        if difference:
            currency = account.currency if account else statement.account.currency or "EUR"
            unbalanced.append(_unbalanced(statement, difference, currency))
            if not accept_unbalanced:
                problems.add(
                    statement.record,
                    unbalanced[-1] + "; accept it with a reason to import it anyway",
                )
    problems.raise_if_any(filename)
    known = [account for account in accounts if account is not None]
    return CheckedFile(known[0].merchant_id, known, differences, unbalanced)


def _accounts(
    statements: list[Statement], resolver: AccountResolver, problems: _Problems
) -> list[BankAccount | None]:
    accounts = []
    for statement in statements:
        account = resolver.resolve(statement.account)
        if account is None:
            problems.add(
                statement.record,
                f"{statement_name(statement)}: unknown bank account "
                f"{written_account(statement.account)}",
            )
        accounts.append(account)
    return accounts


def _currencies(statement: Statement, account: BankAccount, problems: _Problems) -> None:
    """A blank currency is the account's; any other than the account's is refused."""
    stated = statement.account.currency
    if stated and stated != account.currency:
        problems.add(
            statement.record,
            f"{statement_name(statement)} is in {stated}, but account {account.iban} is kept "
            f"in {account.currency}",
        )
        return
    wanted = account.currency
    for entry in statement.entries:
        if entry.currency and entry.currency != wanted:
            problems.add(
                entry.record,
                f"entry in {entry.currency} on account {account.iban}, which is kept in {wanted}",
            )


def _unbalanced(statement: Statement, difference: int, currency: str) -> str:
    assert statement.opening_balance is not None and statement.closing_balance is not None
    opening = statement.opening_balance.amount_minor
    return (
        f"{statement_name(statement)} does not add up: opening "
        f"{format_amount(opening, currency)} + movements "
        f"{format_amount(movements_total(statement), currency)} != closing "
        f"{format_amount(statement.closing_balance.amount_minor, currency)} "
        f"(difference {format_amount(difference, currency)})"
    )
