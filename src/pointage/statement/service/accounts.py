"""Which bank account a statement is about, from how the file names it.

Tried in order, the first that finds an account wins:
1. the IBAN (compared without spaces, in capitals);
2. bank code + branch code + account number (the French RIB of CFONB 120): codes equal, and
   account numbers equal once blanks and leading zeros are taken away, because banks and
   exports write the fixed-width numeric zone with or without its padding zeros;
3. the account number (or bank code + account number) equal to the IBAN's BBAN, the IBAN
   without its country code and check digits: what MT940 and camt files give when they
   name an account by its national number; an account number that is itself an IBAN is
   compared to the IBANs.
When a merchant is given (the API: the shop's merchant), only its accounts are looked at,
so another merchant's account is exactly as unknown as one that does not exist.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pointage.formats.statements.model import AccountId
from pointage.shop.models import BankAccount
from pointage.statement.repository import StatementRepository

_IBAN_LIKE = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{8,30}$")


def _compact(text: str | None) -> str:
    return re.sub(r"\s+", "", text or "").upper()


def _same_number(stored: str | None, written: str) -> bool:
    return stored is not None and _compact(stored).lstrip("0") == _compact(written).lstrip("0")


class AccountResolver:
    def __init__(self, repository: StatementRepository, merchant_id: int | None) -> None:
        self.repository = repository
        self.merchant_id = merchant_id
        self._memo: dict[tuple[str, str, str, str], BankAccount | None] = {}

    def resolve(self, account: AccountId) -> BankAccount | None:
        key = (
            _compact(account.iban),
            _compact(account.bank_code),
            _compact(account.branch_code),
            _compact(account.account_number),
        )
        if key not in self._memo:
            self._memo[key] = self._find(*key)
        return self._memo[key]

    def _find(self, iban: str, bank: str, branch: str, number: str) -> BankAccount | None:
        repo, merchant = self.repository, self.merchant_id
        if iban:
            found = _first(repo.accounts_by_iban(iban, merchant))
            if found:
                return found
        if bank and branch and number:
            for candidate in repo.accounts_by_codes(bank, branch, merchant):
                if _same_number(candidate.account_number, number):
                    return candidate
        if number and _IBAN_LIKE.match(number):
            found = _first(repo.accounts_by_iban(number, merchant))
            if found:
                return found
        for bban in (number, bank + branch + number, bank + number):
            if number and bban:
                found = _first(repo.accounts_by_bban(bban, merchant))
                if found:
                    return found
        return None


def _first(accounts: Sequence[BankAccount]) -> BankAccount | None:
    return accounts[0] if accounts else None


def written_account(account: AccountId) -> str:
    """The account as the file writes it, for a message."""
    parts = [
        f"IBAN {account.iban}" if account.iban else "",
        " ".join(p for p in (account.bank_code, account.branch_code, account.account_number) if p),
    ]
    return " / ".join(p for p in parts if p) or "(no account number in the file)"
