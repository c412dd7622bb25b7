"""What the matching engine reads and what it decides, as plain values (ARCHITECTURE.md §6).

The app ring (`pointage.reconciliation`) loads these from the database and persists the
result; the engine never sees a session. Every amount is signed minor units: a bank credit
is > 0, a debit < 0, and a remittance's expected credit is what the bank should book (it is
< 0 for a remittance whose refunds exceed its payments).

Identifiers (`id`) are the database keys of the rows the values come from, so that a
decision names exactly the rows it claims.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


class Rule(StrEnum):
    """Which rule produced a match: shown to people, stored on every match."""

    REMITTANCE_CREDIT = "remittance_credit"  # one remittance, one bank line
    FOREIGN_CURRENCY_CREDIT = "foreign_currency_credit"  # one remittance credited converted
    GROUPED_CREDIT = "grouped_credit"  # several remittances, one bank line
    SPLIT_CREDIT = "split_credit"  # one remittance, several bank lines (or credit + fee debit)
    COMMISSION_DEBIT = "commission_debit"  # a month of fees debited, against its remittances
    CHARGEBACK = "chargeback"  # a card payment taken back, against the original transaction
    MANUAL = "manual"  # matched by a person


class Outcome(StrEnum):
    """How one criterion came out."""

    PASS = "pass"  # noqa: S105 - the value is what was expected, not a password
    PARTIAL = "partial"  # close enough to count, not enough alone (e.g. within tolerance)
    FAIL = "fail"  # the value is not what was expected
    INFO = "info"  # shown for the record, scores nothing


@dataclass(frozen=True, slots=True)
class Criterion:
    """One line of evidence: what was expected, what the bank line shows, how it scored."""

    name: str  # stable id: "remittance_reference", "amount", "value_date", "contract"…
    expected: str
    actual: str
    outcome: Outcome
    points: int
    note: str = ""  # a short sentence for people, in English


@dataclass(frozen=True, slots=True)
class FeeSchedule:
    """A contract's commission: basis points of each payment plus a fixed amount per
    payment; `tolerance_minor` is how far the bank's own fee may be from ours."""

    rate_bp: int
    fixed_minor: int
    tolerance_minor: int = 0


@dataclass(frozen=True, slots=True)
class ExpectedCredit:
    """A remittance (remise) as the bank should pay it."""

    id: int
    account_id: int  # the bank account the contract's money lands on
    account_currency: str
    bank_code: str | None  # the account's bank (code banque): chooses extraction patterns
    contract_number: str
    number: int  # sequential per contract
    remittance_date: date
    currency: str  # the remittance's currency (may differ from the account's)
    payment_count: int
    refund_count: int
    gross_minor: int
    refunds_minor: int
    fee_minor: int
    net_minor: int
    expected_credit_minor: int  # net, or gross - refunds for a gross-settled contract
    expected_credit_date: date
    settlement_mode: str  # core.statuses.SettlementMode value
    fee_schedule: FeeSchedule
    grace_business_days: int = 2
    awaiting_credit: bool = True  # no active match pays it yet
    awaiting_fee_debit: bool = False  # gross-settled, its fee not yet matched to a debit


@dataclass(frozen=True, slots=True)
class BankMovement:
    """A statement entry (écriture) not yet claimed by any match."""

    id: int
    account_id: int
    bank_code: str | None
    amount_minor: int
    currency: str
    value_date: date  # the value date, or the booking date when the bank gave none
    booking_date: date | None
    label: str
    bank_operation_code: str | None  # CFONB "30", ISO "PMNT/CCRD/UPCT", OFX "CREDIT"…
    references: Mapping[str, str] = field(default_factory=dict)
    details: tuple[str, ...] = ()  # complement texts (CFONB 05 LIB, camt Ustrd…)
    record: int = 0  # where it starts in its file: orders lines booked the same day
    file_id: int = 0


@dataclass(frozen=True, slots=True)
class CardPayment:
    """A captured payment a chargeback may take back."""

    id: int
    uuid: str
    account_id: int
    transaction_id: str
    order_id: str | None
    amount_minor: int
    currency: str
    card_last4: str | None
    contract_number: str
    remittance_date: date


@dataclass(frozen=True, slots=True)
class ChargebackClue:
    """What a chargeback line says about the payment it takes back: the app looks the
    candidate payments up with these, then the engine scores them."""

    entry_id: int
    account_id: int
    amount_minor: int  # positive: the payment's amount
    currency: str
    booked_on: date
    transaction_ids: tuple[str, ...] = ()
    order_ids: tuple[str, ...] = ()
    card_last4: str | None = None
    contract_numbers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Proposal:
    """A match the engine makes (automatic) or proposes (suggestion), with its evidence."""

    rule: Rule
    entry_ids: tuple[int, ...]
    remittance_ids: tuple[int, ...] = ()
    transaction_ids: tuple[int, ...] = ()  # chargebacks: the payment taken back
    score: int = 0
    criteria: tuple[Criterion, ...] = ()
    difference_minor: int = 0  # booked - expected, account currency; 0 when fully explained
    late_business_days: int = 0  # business days after expected date + grace; 0 when in time
    anomaly: str | None = None  # why the match is an anomaly, for people; None when clean
    automatic: bool = True
    reason: str = ""  # for a suggestion: why it was not applied automatically


class OpenReason(StrEnum):
    NO_CANDIDATE = "no_candidate"  # nothing in the window looks like it
    AMBIGUOUS = "ambiguous"  # several candidates score the same: a person chooses
    BELOW_THRESHOLD = "below_threshold"  # the best candidate is not convincing enough
    NOT_YET_DUE = "not_yet_due"  # a remittance whose credit is not expected yet
    OVERDUE = "overdue"  # a remittance past its expected date and grace, no credit found
    DUPLICATE_LINE = "duplicate_line"  # an entry identical to one already matched
    NOT_GATEWAY = "not_gateway"  # an entry that is not a card movement (transfer, fees…)
    ALREADY_CLAIMED = "already_claimed"  # what it would pay or take back is claimed already
    UNDONE = "undone"  # the engine's pairing is one a person undid: never applied again


@dataclass(frozen=True, slots=True)
class OpenItem:
    """An entry or a remittance the run left open, and why."""

    kind: str  # "entry" or "remittance"
    id: int
    reason: OpenReason
    detail: str  # a sentence for people


@dataclass(frozen=True, slots=True)
class EngineInput:
    remittances: Sequence[ExpectedCredit]  # awaiting a credit and/or a fee debit
    entries: Sequence[BankMovement]  # not yet claimed
    payments: Sequence[CardPayment] = ()  # the candidates found for the chargeback clues
    today: date | None = None  # decides not yet due / overdue; None: the latest entry date


@dataclass(slots=True)
class EngineResult:
    matches: list[Proposal] = field(default_factory=list)  # applied automatically
    suggestions: list[Proposal] = field(default_factory=list)  # for a person to confirm
    open_entries: list[OpenItem] = field(default_factory=list)
    open_remittances: list[OpenItem] = field(default_factory=list)
