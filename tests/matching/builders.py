"""Remittances and bank lines as the engine sees them, with the defaults of one account:
a EUR account at bank 30004 receiving the card remittances of contract 7012345."""

from __future__ import annotations

from datetime import date

from pointage.matching.model import BankMovement, ExpectedCredit, FeeSchedule

ACCOUNT = 1
BANK = "30004"
CONTRACT = "7012345"
# A Tuesday with ordinary business days around it.
DAY = date(2026, 3, 10)


def remittance(
    id_: int,
    number: int,
    expected: int = 100_00,
    *,
    due: date = DAY,
    contract: str = CONTRACT,
    fee: int = 1_00,
    refunds: int = 0,
    payments: int = 3,
    currency: str = "EUR",
    account_currency: str = "EUR",
    account: int = ACCOUNT,
    gross_settled: bool = False,
    tolerance: int = 0,
    grace: int = 2,
    awaiting_fee_debit: bool = False,
) -> ExpectedCredit:
    """A remittance whose expected credit is `expected`: its net for a net-settled contract
    (gross - refunds - fee), its gross less refunds for a gross-settled one."""
    gross = expected + refunds + (0 if gross_settled else fee)
    return ExpectedCredit(
        id=id_,
        account_id=account,
        account_currency=account_currency,
        bank_code=BANK,
        contract_number=contract,
        number=number,
        remittance_date=due,
        currency=currency,
        payment_count=payments,
        refund_count=1 if refunds else 0,
        gross_minor=gross,
        refunds_minor=refunds,
        fee_minor=fee,
        net_minor=gross - refunds - fee,
        expected_credit_minor=expected,
        expected_credit_date=due,
        settlement_mode="gross" if gross_settled else "net",
        fee_schedule=FeeSchedule(rate_bp=80, fixed_minor=5, tolerance_minor=tolerance),
        grace_business_days=grace,
        awaiting_fee_debit=awaiting_fee_debit,
    )


def line(
    id_: int,
    amount: int,
    label: str = "",
    *,
    on: date = DAY,
    code: str | None = "30",
    details: tuple[str, ...] = (),
    references: dict[str, str] | None = None,
    account: int = ACCOUNT,
    currency: str = "EUR",
    bank: str | None = BANK,
    record: int | None = None,
) -> BankMovement:
    return BankMovement(
        id=id_,
        account_id=account,
        bank_code=bank,
        amount_minor=amount,
        currency=currency,
        value_date=on,
        booking_date=on,
        label=label,
        bank_operation_code=code,
        references=references or {},
        details=details,
        record=id_ if record is None else record,
        file_id=1,
    )


def credit_of(
    r: ExpectedCredit,
    id_: int,
    *,
    amount: int | None = None,
    on: date | None = None,
    label: str | None = None,
    details: tuple[str, ...] = (),
    references: dict[str, str] | None = None,
) -> BankMovement:
    """The line a bank writes for `r`: by default its expected credit, labelled with its
    number and contract, on its expected date."""
    return line(
        id_,
        r.expected_credit_minor if amount is None else amount,
        f"REMISE CB {r.number:06d} {r.contract_number}" if label is None else label,
        on=r.expected_credit_date if on is None else on,
        code="30" if (r.expected_credit_minor if amount is None else amount) >= 0 else "36",
        details=details,
        references=references,
    )
