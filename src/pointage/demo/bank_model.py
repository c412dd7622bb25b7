"""The demo bank's vocabulary: what it reads from the demo and what it books.

The bank is generated from plain values (`BankInput`), never from the database, so that it
can be tested alone and gives the same lines for the same seed. Each booked line
(`BankLine`) carries both what the statement shows (date, amount, label, codes, references)
and what the line really is (`kind`, the remittances it pays, the transaction it takes
back, the anomaly injected into it): the ground truth the reconciliation is measured on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from pointage.formats.statements.model import (
    AccountId,
    Balance,
    Entry,
    EntryDetail,
    Statement,
)

# An exchange rate is an integer number of millionths of the account's currency per unit of
# the remittance's currency: 923456 reads 0.923456 EUR for 1 USD. Never a float.
RATE_SCALE = 1_000_000


class LineKind(StrEnum):
    """What a bank line really is."""

    REMITTANCE_CREDIT = "remittance_credit"  # one remittance, alone on its line
    GROUPED_REMITTANCE_CREDIT = "grouped_remittance_credit"  # several remittances, one line
    REMITTANCE_CREDIT_FX = "remittance_credit_fx"  # a foreign-currency remittance, converted
    COMMISSION_DEBIT = "commission_debit"  # a month of a gross-settled contract's fees
    CHARGEBACK = "chargeback"  # a card payment taken back (impayé)
    UNRELATED = "unrelated"  # transfers, direct debits, bank fees: nothing of the gateway
    DUPLICATE_LINE = "duplicate_line"  # the bank booked a line twice (an injected anomaly)


class AnomalyKind(StrEnum):
    MISSING = "missing"  # a remittance the bank never credits
    SHORT = "short"  # credited a few euros less than expected
    LATE = "late"  # credited three or more business days after the expected date
    DUPLICATE = "duplicate"  # a credit line booked twice in one statement


class UncreditedReason(StrEnum):
    """Why a remittance of the demo has no bank line."""

    MISSING = "missing"  # the injected anomaly: it was due and never came
    NOT_YET_DUE = "not_yet_due"  # expected after the last statement day: still pending
    NOTHING_TO_CREDIT = "nothing_to_credit"  # refunds cancelled out the payments


@dataclass(frozen=True, slots=True)
class BankAccountInput:
    iban: str
    bank_code: str
    branch_code: str
    account_number: str
    currency: str

    @property
    def directory(self) -> str:
        """The account's folder in the bank directory: `<bank_code>-<account_number>`."""
        return f"{self.bank_code}-{self.account_number}"


@dataclass(frozen=True, slots=True)
class ContractInput:
    number: str
    scheme: str  # how the acquirer names its card scheme in labels: "CB", "AMEX"
    account_iban: str
    settlement_mode: str  # SettlementMode value: "net" or "gross"


@dataclass(frozen=True, slots=True)
class RemittanceInput:
    contract_number: str
    number: int
    remittance_date: date
    currency: str
    gross_minor: int
    refunds_minor: int
    fee_minor: int
    expected_credit_minor: int
    expected_credit_date: date


@dataclass(frozen=True, slots=True)
class PaymentInput:
    """A captured payment the bank may take back later (a chargeback)."""

    uuid: str
    transaction_id: str
    order_id: str | None
    amount_minor: int
    currency: str
    card_masked: str | None
    contract_number: str
    remittance_date: date


@dataclass(frozen=True, slots=True)
class BankInput:
    accounts: tuple[BankAccountInput, ...]
    contracts: tuple[ContractInput, ...]
    remittances: tuple[RemittanceInput, ...]
    payments: tuple[PaymentInput, ...]
    first_day: date
    last_day: date
    seed: int


@dataclass(frozen=True, slots=True)
class PaidRemittance:
    """A remittance as a line pays it: what was expected, and what this line credits for it
    (in the account's currency)."""

    remittance: RemittanceInput
    credited_minor: int


@dataclass(frozen=True, slots=True)
class FxConversion:
    original_minor: int
    original_currency: str
    rate_millionths: int


@dataclass(frozen=True, slots=True)
class CommissionPart:
    """One remittance's fee inside a monthly commission debit."""

    remittance: RemittanceInput
    fee_in_account_currency_minor: int


@dataclass(frozen=True, slots=True)
class Commission:
    contract_number: str
    month: str  # "2026-03"
    parts: tuple[CommissionPart, ...]
    rate_millionths: int | None = None  # the rate foreign-currency fees were converted at


@dataclass(frozen=True, slots=True)
class Anomaly:
    kind: AnomalyKind
    short_by_minor: int | None = None
    late_by_business_days: int | None = None


@dataclass(slots=True, eq=False)
class BankLine:
    """One movement on a statement, with the truth about it. Compared by identity: a
    duplicate line is another object with the same content."""

    account_iban: str
    booking_date: date
    value_date: date
    amount_minor: int
    currency: str
    label: str
    code: str  # CFONB interbank operation code: "30", "38", "64"…
    kind: LineKind
    entry_number: str | None = None
    reference: str | None = None
    details: tuple[str, ...] = ()  # LIB complements (05 records), at most 70 characters each
    remittances: tuple[PaidRemittance, ...] = ()
    transaction: PaymentInput | None = None
    fx: FxConversion | None = None
    commission: Commission | None = None
    anomaly: Anomaly | None = None
    duplicate_of: BankLine | None = None

    def entry(self) -> Entry:
        references = {}
        if self.entry_number is not None:
            references["entry_number"] = self.entry_number
        if self.reference is not None:
            references["reference"] = self.reference
        return Entry(
            record=0,
            amount_minor=self.amount_minor,
            currency=self.currency,
            booking_date=self.booking_date,
            value_date=self.value_date,
            label=self.label,
            bank_operation_code=self.code,
            references=references,
            details=[EntryDetail(record=0, qualifier="LIB", text=text) for text in self.details],
        )


@dataclass(slots=True)
class DayStatement:
    """One account's statement of one business day (one 01…07 block of CFONB 120)."""

    account: BankAccountInput
    day: date
    opening_date: date
    opening_minor: int
    lines: list[BankLine] = field(default_factory=list)

    @property
    def closing_minor(self) -> int:
        return self.opening_minor + sum(line.amount_minor for line in self.lines)

    @property
    def identifier(self) -> str:
        return f"{self.account.bank_code}{self.account.account_number}{self.day:%Y%m%d}"

    def statement(self) -> Statement:
        account = self.account
        return Statement(
            record=0,
            account=AccountId(
                iban=account.iban,
                bank_code=account.bank_code,
                branch_code=account.branch_code,
                account_number=account.account_number,
                currency=account.currency,
            ),
            opening_balance=Balance(self.opening_minor, self.opening_date),
            closing_balance=Balance(self.closing_minor, self.day),
            entries=[line.entry() for line in self.lines],
            identifier=self.identifier,
            from_date=self.day,
            to_date=self.day,
        )


@dataclass(frozen=True, slots=True)
class Uncredited:
    remittance: RemittanceInput
    reason: UncreditedReason


@dataclass(slots=True)
class BankRun:
    """Everything the bank booked over the demo period, account by account, day by day."""

    statements: list[DayStatement]
    uncredited: list[Uncredited]
    anomalies: list[tuple[Anomaly, RemittanceInput]]


def convert(minor: int, rate_millionths: int) -> int:
    """An amount converted at a rate in millionths, rounded half away from zero."""
    magnitude = (abs(minor) * rate_millionths + RATE_SCALE // 2) // RATE_SCALE
    return magnitude if minor >= 0 else -magnitude


def rate_text(rate_millionths: int) -> str:
    """0.923456 for 923456: the rate as people write it."""
    whole, fraction = divmod(rate_millionths, RATE_SCALE)
    return f"{whole}.{fraction:06d}"
