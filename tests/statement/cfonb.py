"""Real CFONB 120 bytes for the command and API tests: the shared sample, and files written
by `cfonb120.write` from statements built here."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.orm import Session

from pointage.formats.statements import cfonb120
from pointage.formats.statements.model import AccountId, Balance, Entry, EntryDetail, Statement
from pointage.shop import service as shop_service
from pointage.shop.models import Merchant
from tests.formats.samples import SAMPLES_DIR

EXAMPLE = SAMPLES_DIR / "cfonb120" / "pennylane-example.txt"
# The two accounts the example's statements are about (bank, branch, account number).
EXAMPLE_IBANS = ("FR7615589000009876543210088", "FR7618706000000012345678954")
# The codes of tests.factories.IBAN_BANK_A, as CFONB 120 names the account.
ACCOUNT_A = AccountId(
    bank_code="30006", branch_code="00001", account_number="12345678901", currency="EUR"
)
FIRST_DAY = date(2026, 3, 2)


def add_example_accounts(session: Session, merchant: Merchant) -> None:
    for number, iban in enumerate(EXAMPLE_IBANS, start=1):
        shop_service.create_bank_account(session, merchant, iban=iban, label=f"Example {number}")


def day_statement(
    day: int, amounts: list[int], *, opening: int | None = None, closing: int | None = None
) -> Statement:
    """Account A's statement of FIRST_DAY + day; the opening balance follows from the
    earlier days' amounts being `100 * day` each unless given."""
    booked = FIRST_DAY + timedelta(days=day)
    entries = [
        Entry(
            record=0,
            amount_minor=amount,
            currency="EUR",
            booking_date=booked,
            value_date=booked,
            label=f"REMISE CB {abs(amount):06d}",
            bank_operation_code="05" if amount < 0 else "30",
            details=[EntryDetail(record=0, qualifier="LIB", text=f"CONTRAT 1234567 DAY {day}")],
        )
        for amount in amounts
    ]
    start = 100_000 if opening is None else opening
    return Statement(
        record=0,
        account=ACCOUNT_A,
        opening_balance=Balance(start, booked - timedelta(days=1)),
        closing_balance=Balance(start + sum(amounts) if closing is None else closing, booked),
        entries=entries,
    )


def days_file(*statements: Statement) -> bytes:
    return cfonb120.write(list(statements))
