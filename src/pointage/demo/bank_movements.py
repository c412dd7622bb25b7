"""The demo bank's lines that are not remittance credits.

- Commission debits (code 64): a gross-settled contract is credited the gross amount of its
  remittances and its acquirer debits the month's fees early the next month, in one line.
- Chargebacks (code 38, impayé carte): a few captured payments taken back two to six weeks
  after their remittance, for the payment's whole amount.
- Movements of the merchant's business that have nothing to do with card payments: supplier
  and salary transfers (06), transfers received from business customers (05), direct debits
  (08), account fees (62), and the weekly sweep of the collection accounts to the current
  account (14 out, 13 in). Their size follows what the cards bring in a day, so that the
  balances stay plausible whatever the demo's volume.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date

from pointage.core.calendar import add_business_days, business_days_between
from pointage.core.statuses import SettlementMode
from pointage.demo.bank_model import (
    BankAccountInput,
    BankInput,
    BankLine,
    Commission,
    CommissionPart,
    ContractInput,
    DayStatement,
    LineKind,
    PaymentInput,
    RemittanceInput,
    convert,
)

# Daily rates of a foreign currency into the account's one, in millionths (0.905 to 0.935).
FX_RATE_RANGE = (905_000, 935_000)
# The acquirer debits a month's commissions on this business day of the next month.
COMMISSION_BUSINESS_DAY = 3
# A chargeback comes this many business days after the payment's remittance.
CHARGEBACK_DELAY = (10, 30)
# About one chargeback per this many calendar days of demo.
DAYS_PER_CHARGEBACK = 15
CHARGEBACK_REASONS = ("4837 FRAUDE", "4853 LITIGE COMMERCIAL", "4855 MARCHANDISE NON RECUE")
# What a collection account keeps when it sweeps the rest to the current account.
SWEEP_FLOOR_MINOR = 2_000_00


def fx_rate(rng: random.Random) -> int:
    return rng.randint(*FX_RATE_RANGE)


def commission_debits(
    rng: random.Random,
    remittances: list[RemittanceInput],
    contracts: dict[str, ContractInput],
    accounts: dict[str, BankAccountInput],
    data: BankInput,
) -> list[BankLine]:
    """One debit per gross-settled contract and month of remittances, booked early the next
    month when that day is inside the demo."""
    by_month: dict[tuple[str, date], list[RemittanceInput]] = defaultdict(list)
    for remittance in remittances:
        contract = contracts[remittance.contract_number]
        if contract.settlement_mode == SettlementMode.GROSS and remittance.fee_minor:
            month = remittance.remittance_date.replace(day=1)
            by_month[(contract.number, month)].append(remittance)
    lines = []
    for (number, month), month_remittances in by_month.items():
        contract = contracts[number]
        account = accounts[contract.account_iban]
        first_of_next = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        first_business_day = add_business_days(first_of_next, 0)
        booked_on = add_business_days(first_business_day, COMMISSION_BUSINESS_DAY - 1)
        rate = fx_rate(rng)
        if not data.first_day <= booked_on <= data.last_day:
            continue
        lines.append(_commission_line(contract, account, month, month_remittances, booked_on, rate))
    return lines


def _commission_line(
    contract: ContractInput,
    account: BankAccountInput,
    month: date,
    remittances: list[RemittanceInput],
    booked_on: date,
    rate: int,
) -> BankLine:
    parts = tuple(
        CommissionPart(
            r,
            r.fee_minor if r.currency == account.currency else convert(r.fee_minor, rate),
        )
        for r in remittances
    )
    foreign = any(r.currency != account.currency for r in remittances)
    total = sum(part.fee_in_account_currency_minor for part in parts)
    return BankLine(
        account_iban=account.iban,
        booking_date=booked_on,
        value_date=booked_on,
        amount_minor=-total,
        currency=account.currency,
        label=f"COMMISSIONS {contract.scheme} {month:%m/%Y}",
        code="64",
        kind=LineKind.COMMISSION_DEBIT,
        reference=f"COM{month:%Y%m}{contract.number}"[:16],
        details=(f"CONTRAT {contract.number} {len(remittances)} REMISES",),
        commission=Commission(contract.number, f"{month:%Y-%m}", parts, rate if foreign else None),
    )


def chargebacks(
    rng: random.Random,
    data: BankInput,
    contracts: dict[str, ContractInput],
    currencies: dict[str, str],
) -> list[BankLine]:
    """A few payments taken back, chosen among those old enough for the chargeback to fall
    inside the demo, in the account's currency."""
    latest_remittance = add_business_days(data.last_day, -CHARGEBACK_DELAY[0])
    candidates = sorted(
        (
            payment
            for payment in data.payments
            if payment.remittance_date <= latest_remittance
            and payment.currency == currencies[payment.contract_number]
        ),
        key=lambda payment: payment.uuid,
    )
    wanted = max(1, round(((data.last_day - data.first_day).days + 1) / DAYS_PER_CHARGEBACK))
    lines = []
    for payment in rng.sample(candidates, min(wanted, len(candidates))):
        room = business_days_between(payment.remittance_date, data.last_day)
        delay = rng.randint(CHARGEBACK_DELAY[0], min(CHARGEBACK_DELAY[1], room))
        booked_on = add_business_days(payment.remittance_date, delay)
        lines.append(_chargeback_line(contracts[payment.contract_number], payment, booked_on, rng))
    return lines


def _chargeback_line(
    contract: ContractInput, payment: PaymentInput, booked_on: date, rng: random.Random
) -> BankLine:
    last4 = (payment.card_masked or "")[-4:] or "0000"
    return BankLine(
        account_iban=contract.account_iban,
        booking_date=booked_on,
        value_date=booked_on,
        amount_minor=-payment.amount_minor,
        currency=payment.currency,
        label=f"IMPAYE {contract.scheme} X{last4} TR {payment.transaction_id}",
        code="38",
        kind=LineKind.CHARGEBACK,
        reference=f"CB{payment.remittance_date:%y%m%d}{payment.transaction_id}",
        details=(
            f"CDE {payment.order_id or '-'} CONTRAT {contract.number}",
            f"MOTIF {rng.choice(CHARGEBACK_REASONS)}",
        ),
        transaction=payment,
    )


SUPPLIERS = (
    "EMBALLAGES DUPONT",
    "TRANSPORTS MARTIN",
    "ATELIER LEROY",
    "LOGISTIQUE RHONE",
    "IMPRIMERIE MOREAU",
    "HEBERGEMENT WEB SAS",
)
CUSTOMERS = ("HOTEL DU PARC", "MAIRIE DE VINCENNES", "CAFE DES ARTS SARL", "COMITE ENTREPRISE")
# Monthly direct debits of the current account: (day of month, label, share of a day's cards).
MONTHLY_DEBITS = (
    (5, "PRLV SEPA EDF ENTREPRISES", 2),
    (10, "PRLV SEPA ORANGE PRO", 1),
    (15, "PRLV SEPA URSSAF IDF", 110),
    (20, "PRLV SEPA LOYER SCI VOLTAIRE", 60),
)


class UnrelatedMovements:
    """The merchant's other movements, drawn day by day in a fixed order."""

    def __init__(self, rng: random.Random, main: BankAccountInput, scale_minor: int) -> None:
        self.rng = rng
        self.main = main
        self.scale = scale_minor

    def of_day(self, account: BankAccountInput, day: date) -> list[BankLine]:
        lines = []
        if day == add_business_days(day.replace(day=1), 0):
            fee = self.rng.randint(18_00, 45_00)
            lines.append(self.line(account, day, -fee, "62", "FRAIS TENUE DE COMPTE"))
        if account is not self.main:
            return lines
        for day_of_month, label, percent in MONTHLY_DEBITS:
            if day == add_business_days(day.replace(day=day_of_month), 0):
                amount = self.scale * percent // 100 * self.rng.randint(90, 110) // 100
                lines.append(self.line(account, day, -max(amount, 30_00), "08", label))
        if day == add_business_days(day.replace(day=28), 0):
            amount = self.scale * 3 * self.rng.randint(95, 105) // 100
            lines.append(self.line(account, day, -amount, "06", f"VIR SALAIRES {day:%m/%Y}"))
        if self.rng.randrange(100) < 60:
            amount = self.scale * self.rng.randint(20, 60) // 100
            supplier = self.rng.choice(SUPPLIERS)
            lines.append(self.line(account, day, -amount, "06", f"VIR SEPA {supplier}"))
        if self.rng.randrange(100) < 15:
            amount = self.rng.randint(150_00, 2_500_00)
            customer = self.rng.choice(CUSTOMERS)
            lines.append(self.line(account, day, amount, "05", f"VIR SEPA RECU {customer}"))
        return lines

    def line(
        self, account: BankAccountInput, day: date, amount: int, code: str, label: str
    ) -> BankLine:
        return BankLine(
            account_iban=account.iban,
            booking_date=day,
            value_date=day,
            amount_minor=amount,
            currency=account.currency,
            label=label[:31],
            code=code,
            kind=LineKind.UNRELATED,
            reference=f"{self.rng.randrange(10**12):012d}" if code in ("05", "06", "08") else None,
        )


def sweep(statement: DayStatement, main: BankAccountInput) -> list[BankLine]:
    """At the week's last business day, a collection account sends what it holds above a
    floor to the current account: the debit goes on `statement`, the credit is returned."""
    day = statement.day
    if add_business_days(day, 1).isocalendar()[:2] == day.isocalendar()[:2]:
        return []
    amount = (statement.closing_minor - SWEEP_FLOOR_MINOR) // 100_00 * 100_00
    if amount <= 0:
        return []
    account = statement.account
    reference = f"TRESO{day:%Y%m%d}"
    debit, credit = (
        BankLine(
            account_iban=iban,
            booking_date=day,
            value_date=day,
            amount_minor=signed,
            currency=account.currency,
            label=label,
            code=code,
            kind=LineKind.UNRELATED,
            reference=reference,
        )
        for iban, signed, code, label in (
            (account.iban, -amount, "14", f"VIR TRESO VERS {main.account_number}"),
            (main.iban, amount, "13", f"VIR TRESO DE {account.account_number}"),
        )
    )
    statement.lines.append(debit)
    return [credit]
