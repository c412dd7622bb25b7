"""The demo bank: the statements the demo merchant's banks would send, with the truth.

Pure: plain values in (`BankInput`, read from the demo by `demo.repository`), plain values
out (`BankRun`). Every draw comes from one `random.Random` seeded from the demo's seed and
drawn in a fixed order, so the same demo gives the same lines, to the cent.

For each bank account and each business day of the demo period the bank books one statement.
On it:
- the card remittances (code 30) on their expected credit date, net or gross of commission
  as the contract says; the remittances of a contract due the same day are sometimes credited
  in one line; a remittance in another currency than the account's is converted at a rate of
  the day (`bank_movements.fx_rate`); a remittance whose refunds exceed its payments is
  debited (code 36);
- the monthly commission debits of the gross-settled contracts, chargebacks and movements
  that have nothing to do with cards (`bank_movements`);
- the injected anomalies (`bank_anomalies`): a missing, a short, a late credit and a line
  booked twice.
Credits due after the last demo day are in no statement yet: they are pending.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta

from pointage.core.calendar import add_business_days, is_business_day
from pointage.core.money import format_amount
from pointage.demo import bank_anomalies, bank_movements
from pointage.demo.bank_model import (
    Anomaly,
    AnomalyKind,
    BankAccountInput,
    BankInput,
    BankLine,
    BankRun,
    ContractInput,
    DayStatement,
    FxConversion,
    LineKind,
    PaidRemittance,
    RemittanceInput,
    Uncredited,
    UncreditedReason,
    convert,
    rate_text,
)

# How often the remittances of one contract due the same day are credited in one line.
GROUPED_PERCENT = 50
# Remittance numbers listed per LIB complement of a grouped credit (70 characters each).
NUMBERS_PER_DETAIL = 9
# Each account's balance on the eve of the demo: this many days of card takings (percent),
# enough for the salaries and suppliers of the first days.
OPENING_BALANCE_DAYS_PERCENT = (300, 800)


def generate_bank(data: BankInput) -> BankRun:
    """Everything the banks book from `data.first_day` to `data.last_day`."""
    rng = random.Random(f"demo-bank:{data.seed}")
    contracts = {contract.number: contract for contract in data.contracts}
    accounts = {account.iban: account for account in data.accounts}
    currencies = {
        number: accounts[contract.account_iban].currency for number, contract in contracts.items()
    }
    remittances = sorted(data.remittances, key=lambda r: (r.contract_number, r.number))
    picks = bank_anomalies.choose(rng, remittances, currencies, data.last_day)
    credits = RemittanceCredits(rng, contracts, accounts, picks, data.last_day)
    lines = credits.lines(remittances)
    lines += bank_movements.commission_debits(rng, remittances, contracts, accounts, data)
    lines += bank_movements.chargebacks(rng, data, contracts, currencies)
    duplicate = bank_anomalies.duplicate_one_credit(rng, lines)
    statements = _assemble(rng, data, lines, _average_daily_credit(lines, data))
    anomalies = [(anomaly, remittance) for remittance, anomaly in credits.injected]
    if duplicate is not None:
        assert duplicate.anomaly is not None and duplicate.duplicate_of is not None
        original = duplicate.duplicate_of.remittances[0].remittance
        anomalies.append((duplicate.anomaly, original))
    return BankRun(statements, credits.uncredited, anomalies)


def business_days(first_day: date, last_day: date) -> list[date]:
    days = (first_day + timedelta(days=n) for n in range((last_day - first_day).days + 1))
    return [day for day in days if is_business_day(day)]


class RemittanceCredits:
    """Turns the remittances into credit lines, and keeps those that get none."""

    def __init__(
        self,
        rng: random.Random,
        contracts: dict[str, ContractInput],
        accounts: dict[str, BankAccountInput],
        picks: dict[tuple[str, int], Anomaly],
        last_day: date,
    ) -> None:
        self.rng = rng
        self.contracts = contracts
        self.accounts = accounts
        self.picks = picks
        self.last_day = last_day
        self.uncredited: list[Uncredited] = []
        self.injected: list[tuple[RemittanceInput, Anomaly]] = []

    def lines(self, remittances: Iterable[RemittanceInput]) -> list[BankLine]:
        lines: list[BankLine] = []
        # Remittances of one contract and currency credited the same day, in number order.
        due: dict[tuple[str, str, date], list[RemittanceInput]] = defaultdict(list)
        for remittance in remittances:
            credit_date = self.credit_date(remittance)
            if credit_date is None:
                continue
            anomaly = self.picks.get((remittance.contract_number, remittance.number))
            if anomaly is not None or remittance.currency != self.account_of(remittance).currency:
                lines.append(self.single(remittance, credit_date, anomaly))
                continue
            due[(remittance.contract_number, remittance.currency, credit_date)].append(remittance)
        for (_, _, credit_date), group in due.items():
            if len(group) > 1 and self.rng.randrange(100) < GROUPED_PERCENT:
                lines.append(self.grouped(group, credit_date))
            else:
                lines.extend(self.single(remittance, credit_date, None) for remittance in group)
        # The bank books a day's card credits contract by contract, in remittance order.
        return sorted(lines, key=lambda line: _remittance_order(line.remittances[0].remittance))

    def credit_date(self, remittance: RemittanceInput) -> date | None:
        """When the bank credits the remittance; None (and why, kept) when it does not."""
        anomaly = self.picks.get((remittance.contract_number, remittance.number))
        reason = None
        credit_date = remittance.expected_credit_date
        if anomaly is not None and anomaly.late_by_business_days:
            credit_date = add_business_days(credit_date, anomaly.late_by_business_days)
        if remittance.expected_credit_minor == 0:
            reason = UncreditedReason.NOTHING_TO_CREDIT
        elif anomaly is not None and anomaly.kind is AnomalyKind.MISSING:
            reason = UncreditedReason.MISSING
        elif credit_date > self.last_day:
            reason = UncreditedReason.NOT_YET_DUE
        if reason is not None:
            self.uncredited.append(Uncredited(remittance, reason))
            if reason is UncreditedReason.MISSING:
                assert anomaly is not None
                self.injected.append((remittance, anomaly))
            return None
        return credit_date

    def account_of(self, remittance: RemittanceInput) -> BankAccountInput:
        return self.accounts[self.contracts[remittance.contract_number].account_iban]

    def single(
        self, remittance: RemittanceInput, credit_date: date, anomaly: Anomaly | None
    ) -> BankLine:
        contract = self.contracts[remittance.contract_number]
        account = self.account_of(remittance)
        amount = remittance.expected_credit_minor
        if anomaly is not None:
            self.injected.append((remittance, anomaly))
            amount -= anomaly.short_by_minor or 0
        line = BankLine(
            account_iban=account.iban,
            booking_date=credit_date,
            value_date=credit_date,
            amount_minor=amount,
            currency=account.currency,
            label=f"REMISE {contract.scheme} {remittance.number:06d} {contract.number}",
            code=_card_code(amount),
            kind=LineKind.REMITTANCE_CREDIT,
            entry_number=f"{remittance.number:07d}",
            reference=_reference(remittance),
            remittances=(PaidRemittance(remittance, amount),),
            anomaly=anomaly,
        )
        if remittance.currency != account.currency:
            self.convert(line, remittance, contract)
        return line

    def convert(self, line: BankLine, remittance: RemittanceInput, contract: ContractInput) -> None:
        """Credit a foreign-currency remittance in the account's currency, at the day's rate."""
        rate = bank_movements.fx_rate(self.rng)
        line.amount_minor = convert(line.amount_minor, rate)
        line.code = _card_code(line.amount_minor)
        line.kind = LineKind.REMITTANCE_CREDIT_FX
        line.label = (
            f"REM {contract.scheme} {remittance.currency} {remittance.number:06d} {contract.number}"
        )
        original = format_amount(remittance.expected_credit_minor, remittance.currency)
        line.details = (f"{original} {remittance.currency} AU TAUX DE {rate_text(rate)}",)
        line.fx = FxConversion(remittance.expected_credit_minor, remittance.currency, rate)
        line.remittances = (PaidRemittance(remittance, line.amount_minor),)

    def grouped(self, group: list[RemittanceInput], credit_date: date) -> BankLine:
        first = group[0]
        contract = self.contracts[first.contract_number]
        account = self.account_of(first)
        amount = sum(remittance.expected_credit_minor for remittance in group)
        numbers = [f"{remittance.number:06d}" for remittance in group]
        details = tuple(
            "REM " + " ".join(numbers[start : start + NUMBERS_PER_DETAIL])
            for start in range(0, len(numbers), NUMBERS_PER_DETAIL)
        )
        return BankLine(
            account_iban=account.iban,
            booking_date=credit_date,
            value_date=credit_date,
            amount_minor=amount,
            currency=account.currency,
            label=f"REMISES {contract.scheme} {len(group)} REM {contract.number}",
            code=_card_code(amount),
            kind=LineKind.GROUPED_REMITTANCE_CREDIT,
            entry_number=f"{first.number:07d}",
            reference=_reference(first),
            details=details,
            remittances=tuple(PaidRemittance(r, r.expected_credit_minor) for r in group),
        )


def _remittance_order(remittance: RemittanceInput) -> tuple[str, int]:
    return (remittance.contract_number, remittance.number)


def _card_code(amount_minor: int) -> str:
    """30: card remittance credited; 36: a remittance of refunds, debited."""
    return "30" if amount_minor >= 0 else "36"


def _reference(remittance: RemittanceInput) -> str:
    """The acquirer's reference of a remittance: its date and number (12 characters)."""
    return f"{remittance.remittance_date:%y%m%d}{remittance.number:06d}"


def _average_daily_credit(lines: list[BankLine], data: BankInput) -> int:
    """What the cards bring in a business day: the scale of the merchant's other movements."""
    total = sum(line.amount_minor for line in lines if line.remittances and line.amount_minor > 0)
    return max(total // max(len(business_days(data.first_day, data.last_day)), 1), 500_00)


def _assemble(
    rng: random.Random, data: BankInput, lines: list[BankLine], scale_minor: int
) -> list[DayStatement]:
    """One statement per account and business day, balances carried from day to day.

    The first account is the merchant's current account; the others collect card money and
    sweep it to the first one at the end of each week."""
    booked: dict[tuple[str, date], list[BankLine]] = defaultdict(list)
    for line in lines:
        booked[(line.account_iban, line.booking_date)].append(line)
    days = business_days(data.first_day, data.last_day)
    if not days or not data.accounts:
        return []
    main, *collecting = data.accounts
    balances = {
        account.iban: scale_minor * rng.randint(*OPENING_BALANCE_DAYS_PERCENT) // 100
        for account in data.accounts
    }
    others = bank_movements.UnrelatedMovements(rng, main, scale_minor)
    statements: dict[str, list[DayStatement]] = {account.iban: [] for account in data.accounts}
    previous = add_business_days(days[0], -1)
    for day in days:
        swept: list[BankLine] = []
        for account in [*collecting, main]:
            statement = DayStatement(account, day, previous, balances[account.iban])
            statement.lines = booked.get((account.iban, day), []) + others.of_day(account, day)
            if account is main:
                statement.lines += swept
            else:
                swept += bank_movements.sweep(statement, main)
            balances[account.iban] = statement.closing_minor
            statements[account.iban].append(statement)
        previous = day
    return [statement for account in data.accounts for statement in statements[account.iban]]
