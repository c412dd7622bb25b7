"""The explanation of a transaction's reconciliation, as plain values: the API returns them
as JSON, the command line prints them. Amounts are integer minor units."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(slots=True)
class CriterionView:
    """One line of evidence: what was expected, what was found, how it came out."""

    name: str
    expected: str
    actual: str
    outcome: str  # pass, partial, fail, info
    points: int
    note: str = ""


@dataclass(slots=True)
class EntryView:
    """A bank entry and where it is in the bank's file."""

    id: int
    role: str | None  # credit, fee or chargeback in the match shown; None outside one
    account_iban: str
    file_id: int
    filename: str
    format: str
    record: int  # 1-based line of the file where the entry starts
    raw_line: str | None  # that line, as the bank wrote it; None when not read
    value_date: date | None
    booking_date: date | None
    amount_minor: int  # credit > 0, debit < 0
    currency: str
    label: str
    bank_operation_code: str | None


@dataclass(slots=True)
class RemittanceView:
    id: int
    contract_number: str
    number: int
    remittance_date: date
    currency: str
    settlement_mode: str
    payment_count: int
    refund_count: int
    gross_minor: int
    refunds_minor: int
    fee_minor: int
    net_minor: int
    expected_credit_minor: int
    expected_credit_date: date
    grace_business_days: int
    to_review_from: date  # the first day it is overdue without a credit
    role: str | None = None  # its role in the match shown


@dataclass(slots=True)
class TransactionRef:
    uuid: str
    transaction_id: str
    order_id: str | None
    operation_type: str
    amount_minor: int
    currency: str
    role: str | None = None


@dataclass(slots=True)
class ReversalView:
    actor: str
    at: datetime
    comment: str


@dataclass(slots=True)
class MatchView:
    id: int
    rule: str
    origin: str  # engine, confirmed, manual, without_entry
    actor: str
    run_id: int | None
    created_at: datetime
    score: int
    difference_minor: int  # booked - expected
    late_business_days: int
    anomaly: str | None
    comment: str | None
    suggestion_id: int | None
    active: bool
    reversal: ReversalView | None
    entries: list[EntryView] = field(default_factory=list)
    remittances: list[RemittanceView] = field(default_factory=list)
    transactions: list[TransactionRef] = field(default_factory=list)
    criteria: list[CriterionView] = field(default_factory=list)
    hidden_objects: int = 0  # what the match also claims of other shops, not shown


@dataclass(slots=True)
class SuggestionView:
    id: int
    run_id: int
    status: str  # open, confirmed, rejected, superseded
    rule: str
    score: int
    reason: str  # why it was not applied automatically
    difference_minor: int
    late_business_days: int
    anomaly: str | None
    created_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    comment: str | None
    match_id: int | None
    entries: list[EntryView] = field(default_factory=list)
    remittances: list[RemittanceView] = field(default_factory=list)
    transactions: list[TransactionRef] = field(default_factory=list)
    criteria: list[CriterionView] = field(default_factory=list)


@dataclass(slots=True)
class OpenReasonView:
    """Why nothing reconciles the transaction yet."""

    reason: str  # matching.model.OpenReason, or not_captured / not_run
    detail: str
    run_id: int | None = None
    run_business_date: date | None = None


@dataclass(slots=True)
class TransactionView:
    uuid: str
    transaction_id: str
    order_id: str | None
    operation_type: str
    amount_minor: int
    currency: str
    transaction_date: date
    detailed_status: str
    status: str
    reconciliation_status: str
    dispute_flag: str
    captured_at: datetime | None


@dataclass(slots=True)
class Explanation:
    """Transaction → remittance → bank entries → rule and criteria, with the history."""

    transaction: TransactionView
    remittance: RemittanceView | None
    # The active match its status comes from: its own (a person reconciled it alone), or
    # its remittance's credit.
    credit_match: MatchView | None
    # Its other active claims: a chargeback taking it back, its remittance's fee debit.
    claims: list[MatchView]
    # Matches undone, with who undid them, when and why.
    history: list[MatchView]
    # Suggestions touching it: decided (confirmed, rejected, superseded) and still open.
    decided_suggestions: list[SuggestionView]
    open_suggestions: list[SuggestionView]
    open_reason: OpenReasonView | None  # set when no credit match reconciles it
