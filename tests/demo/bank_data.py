"""Synthetic input for the demo bank: the demo's accounts and contracts, one remittance per
contract and day (some in USD), three payments per remittance. No database needed."""

from __future__ import annotations

import random
from datetime import date, timedelta

from pointage.core.calendar import add_business_days
from pointage.demo.bank_model import (
    BankAccountInput,
    BankInput,
    ContractInput,
    PaymentInput,
    RemittanceInput,
)

BNP = BankAccountInput("FR7630004008280001012345614", "30004", "00828", "00010123456", "EUR")
CIC = BankAccountInput("FR7610278060610002012345788", "10278", "06061", "00020123457", "EUR")
CARDS_PARIS = ContractInput("7012345", "CB", BNP.iban, "net")
AMEX = ContractInput("9351234567", "AMEX", CIC.iban, "gross")
CARDS_LYON = ContractInput("8023456", "CB", CIC.iban, "net")
CONTRACTS = (CARDS_PARIS, AMEX, CARDS_LYON)
DELAYS = {CARDS_PARIS.number: 1, AMEX.number: 3, CARDS_LYON.number: 2}
FIRST_DAY, LAST_DAY = date(2026, 2, 1), date(2026, 3, 31)


def remittances_and_payments(first_day: date, last_day: date, draws: int = 5):
    """A remittance per contract and day (USD ones for Paris some days), like the demo's."""
    rng = random.Random(draws)
    remittances, payments = [], []
    for contract in CONTRACTS:
        number = 0
        for offset in range((last_day - first_day).days + 1):
            day = first_day + timedelta(days=offset)
            foreign = contract is not CARDS_LYON and rng.randrange(10) < 3
            for currency in ("EUR", "USD") if foreign else ("EUR",):
                number += 1
                remittances.append(remittance(rng, contract, number, day, currency))
                payments += [payment(rng, contract, number, day, currency) for _ in range(3)]
    return tuple(remittances), tuple(payments)


def remittance(rng, contract, number, day, currency) -> RemittanceInput:
    gross, refunds = rng.randint(100_00, 20_000_00), rng.randint(0, 500_00)
    fee = gross // 100
    return RemittanceInput(
        contract_number=contract.number,
        number=number,
        remittance_date=day,
        currency=currency,
        gross_minor=gross,
        refunds_minor=refunds,
        fee_minor=fee,
        expected_credit_minor=gross - refunds - (fee if contract.settlement_mode == "net" else 0),
        expected_credit_date=add_business_days(day, DELAYS[contract.number]),
    )


def payment(rng, contract, number, day, currency) -> PaymentInput:
    return PaymentInput(
        uuid=f"{rng.getrandbits(128):032x}",
        transaction_id=f"{rng.randrange(900_000):06d}",
        order_id=f"CMD-2026-{number:06d}",
        amount_minor=rng.randint(10_00, 300_00),
        currency=currency,
        card_masked=f"497010XXXXXX{rng.randrange(10_000):04d}",
        contract_number=contract.number,
        remittance_date=day,
    )


def bank_input(seed: int = 1, first_day: date = FIRST_DAY, last_day: date = LAST_DAY) -> BankInput:
    remittances, payments = remittances_and_payments(first_day, last_day)
    return BankInput((BNP, CIC), CONTRACTS, remittances, payments, first_day, last_day, seed)
