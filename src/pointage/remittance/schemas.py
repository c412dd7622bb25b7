"""Pydantic I/O of the remittances API. Amounts are integer minor units of the currency."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from pointage.payment.schemas import TransactionOut
from pointage.remittance.models import Remittance
from pointage.remittance.repository.reads import CreditMatch, EntryRow, RemittanceFacts
from pointage.web.pagination import Page


class RemittanceOut(BaseModel):
    """A remittance (remise): the captures of one contract, currency and day."""

    object: Literal["remittance"] = "remittance"
    id: int
    contract_number: str
    number: int = Field(description="Sequential per contract, as the acquirer numbers it")
    currency: str
    remittance_date: date = Field(description="The business day of the capture batch")
    transaction_count: int = Field(description="Payments and refunds")
    payment_count: int
    refund_count: int
    gross_minor: int = Field(description="Sum of the payments")
    refunds_minor: int = Field(description="Sum of the refunds, positive")
    fee_minor: int = Field(description="The contract's commission on the payments")
    net_minor: int = Field(description="gross - refunds - fee")
    expected_credit_minor: int = Field(
        description="What the bank should credit: net, or gross - refunds when settled gross"
    )
    expected_credit_date: date
    credited_date: date | None = Field(
        description="Value date of the bank's credit, once matched (the latest if several)"
    )
    status: str = Field(
        description="not_applicable, pending, to_review, reconciled, reconciled_manual, anomaly"
    )
    created_at: datetime

    @classmethod
    def of(
        cls, remittance: Remittance, facts: RemittanceFacts | None, status: str
    ) -> RemittanceOut:
        credit = facts.credit if facts is not None else None
        return cls(
            id=remittance.id,
            contract_number=facts.contract_number if facts is not None else "",
            number=remittance.number,
            currency=remittance.currency,
            remittance_date=remittance.remittance_date,
            transaction_count=remittance.payment_count + remittance.refund_count,
            payment_count=remittance.payment_count,
            refund_count=remittance.refund_count,
            gross_minor=remittance.gross_minor,
            refunds_minor=remittance.refunds_minor,
            fee_minor=remittance.fee_minor,
            net_minor=remittance.net_minor,
            expected_credit_minor=remittance.expected_credit_minor,
            expected_credit_date=remittance.expected_credit_date,
            credited_date=credit.credited_on if credit is not None else None,
            status=status,
            created_at=remittance.created_at,
        )


class StatementFileOut(BaseModel):
    id: int
    filename: str
    format: str


class BankEntryOut(BaseModel):
    """A bank statement entry (écriture), traced to its file and record."""

    id: int
    statement_file: StatementFileOut
    record: int = Field(description="The entry's record number in the file")
    booking_date: date | None
    value_date: date | None
    amount_minor: int = Field(description="Signed, seen from the account holder: credit > 0")
    currency: str
    label: str

    @classmethod
    def of(cls, row: EntryRow) -> BankEntryOut:
        entry = row.entry
        return cls(
            id=entry.id,
            statement_file=StatementFileOut(
                id=entry.file_id, filename=row.filename, format=row.format
            ),
            record=entry.record,
            booking_date=entry.booking_date,
            value_date=entry.value_date,
            amount_minor=entry.amount_minor,
            currency=entry.currency,
            label=entry.label,
        )


class CreditOut(BaseModel):
    """The match that proves the remittance was credited, and its bank entries."""

    match_id: int
    rule: str
    origin: str = Field(description="engine, confirmed, manual or without_entry")
    matched_at: datetime
    difference_minor: int = Field(description="What the bank booked minus what was expected")
    late_business_days: int
    anomaly: str | None
    entries: list[BankEntryOut] = Field(description="Empty when reconciled without an entry")

    @classmethod
    def of(cls, credit: CreditMatch, entries: list[EntryRow]) -> CreditOut:
        return cls(
            match_id=credit.id,
            rule=credit.rule,
            origin=credit.origin,
            matched_at=credit.created_at,
            difference_minor=credit.difference_minor,
            late_business_days=credit.late_business_days,
            anomaly=credit.anomaly or None,
            entries=[BankEntryOut.of(row) for row in entries],
        )


class RemittanceDetailOut(RemittanceOut):
    credit: CreditOut | None = Field(description="Null while no credit is matched")
    transactions: Page[TransactionOut] = Field(
        description="The first page of its transactions, newest first"
    )
    transactions_url: str = Field(description="Where to page through all its transactions")
